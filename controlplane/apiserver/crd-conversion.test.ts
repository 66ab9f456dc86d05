/** Conversion between the versions of a custom resource (pure functions). */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lib/api/json.js';
import {
  convertTo,
  keepStoredVersions,
  storedVersionsOf,
  toServedVersion,
  toStorageVersion,
  versioningOf,
} from './crd-conversion.js';
import { ApiError } from './status.js';

const crd = (strategy?: string): JsonObject => ({
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets' },
    ...(strategy ? { conversion: { strategy } } : {}),
    versions: [
      {
        name: 'v1alpha1',
        storage: false,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer' },
                  legacy: { type: 'string' },
                  tags: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
                  free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        },
      },
      {
        name: 'v1',
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer' },
                  tags: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
                  free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
        },
      },
    ],
  },
});

const alpha = (): JsonObject => ({
  apiVersion: 'example.com/v1alpha1',
  kind: 'Widget',
  metadata: { name: 'a', labels: { x: 'y' } },
  spec: { size: 2, legacy: 'old', tags: [{ k: 'a', extra: 1 }], free: { anything: { goes: true } } },
  junk: 1,
});

describe('versioningOf', () => {
  it('reads the storage version, the strategy (None by default) and every schema', () => {
    const v = versioningOf(crd());
    expect(v).toMatchObject({
      crd: 'widgets.example.com',
      group: 'example.com',
      kind: 'Widget',
      storageVersion: 'v1',
      strategy: 'None',
    });
    expect([...v.schemas.keys()]).toEqual(['v1alpha1', 'v1']);
    expect(versioningOf(crd('Webhook')).strategy).toBe('Webhook');
  });
});

describe('convertTo (strategy None)', () => {
  it('rewrites apiVersion and prunes by the target schema, leaving the source untouched', () => {
    const src = alpha();
    const out = convertTo(versioningOf(crd()), src, 'v1');
    expect(out).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'a', labels: { x: 'y' } },
      spec: { size: 2, tags: [{ k: 'a' }], free: { anything: { goes: true } } },
    });
    expect(src).toEqual(alpha());
  });

  it('returns the very object when it already is in the target version', () => {
    const src = alpha();
    expect(convertTo(versioningOf(crd()), src, 'v1alpha1')).toBe(src);
  });

  it('keeps fields under additionalProperties schemas', () => {
    const src: JsonObject = { ...alpha(), status: { phase: 'Ready' } };
    expect(convertTo(versioningOf(crd()), src, 'v1').status).toEqual({ phase: 'Ready' });
  });
});

describe('convertTo (strategy Webhook)', () => {
  it('throws a 500 InternalError naming the CRD when the versions differ', () => {
    const v = versioningOf(crd('Webhook'));
    let caught: unknown;
    try {
      convertTo(v, alpha(), 'v1');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect(caught).toMatchObject({ statusCode: 500, reason: 'InternalError' });
    expect((caught as Error).message).toBe(
      'Internal error occurred: conversion webhook for example.com/v1alpha1, Kind=Widget failed: conversion ' +
        'webhooks are not called by this server (CustomResourceDefinition widgets.example.com has conversion ' +
        'strategy Webhook; converting to example.com/v1 needs it)',
    );
  });

  it('needs no webhook for the same version', () => {
    const src = alpha();
    expect(convertTo(versioningOf(crd('Webhook')), src, 'v1alpha1')).toBe(src);
  });
});

describe('toStorageVersion / toServedVersion', () => {
  it('leave objects of types without versioning alone', () => {
    const o = alpha();
    expect(toStorageVersion({}, o)).toBe(o);
    expect(toServedVersion({ version: 'v9' }, o)).toBe(o);
  });

  it('convert to the storage version and back to the served one', () => {
    const versioning = versioningOf(crd());
    const stored = toStorageVersion({ versioning }, alpha());
    expect(stored.apiVersion).toBe('example.com/v1');
    expect(toServedVersion({ version: 'v1alpha1', versioning }, stored).apiVersion).toBe(
      'example.com/v1alpha1',
    );
  });
});

describe('toServedVersion defaulting', () => {
  it('defaults by the schema of the version the object is stored in, without touching it', () => {
    const spec = crd() as { spec: { versions: { schema: { openAPIV3Schema: JsonObject } }[] } };
    const alphaSchema = spec.spec.versions[0]?.schema.openAPIV3Schema as {
      properties: { spec: { properties: Record<string, JsonObject> } };
    };
    alphaSchema.properties.spec.properties.legacy = { type: 'string', default: 'kept' };
    alphaSchema.properties.spec.properties.tags = {
      type: 'array',
      items: { type: 'object', properties: { k: { type: 'string', default: 'none' } } },
    };
    const versioning = versioningOf(spec as unknown as JsonObject);
    expect([...versioning.defaulting]).toEqual(['v1alpha1']);
    const stored: JsonObject = {
      apiVersion: 'example.com/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'a' },
      spec: { size: 1, tags: [{}] },
    };
    const served = toServedVersion({ version: 'v1alpha1', versioning }, stored);
    expect(served.spec).toEqual({ size: 1, legacy: 'kept', tags: [{ k: 'none' }] });
    expect(stored.spec).toEqual({ size: 1, tags: [{}] });
    // Defaulted as stored (v1alpha1), then converted: v1 prunes what it does not declare.
    expect(toServedVersion({ version: 'v1', versioning }, stored).spec).toEqual({
      size: 1,
      tags: [{ k: 'none' }],
    });
  });
});

describe('storedVersions', () => {
  it('adds the storage version to the listed ones', () => {
    expect(storedVersionsOf({ status: { storedVersions: ['v1alpha1'] } }, 'v1')).toEqual(['v1alpha1', 'v1']);
    expect(storedVersionsOf({ status: { storedVersions: ['v1'] } }, 'v1')).toEqual(['v1']);
    expect(storedVersionsOf({}, 'v1')).toEqual(['v1']);
  });

  it('a main-resource write keeps the stored list whatever the body says', () => {
    const next: JsonObject = { status: { storedVersions: [] } };
    keepStoredVersions(next, { status: { storedVersions: ['v1alpha1', 'v1'] } });
    expect(next.status).toEqual({ storedVersions: ['v1alpha1', 'v1'] });
    const bare: JsonObject = {};
    keepStoredVersions(bare, { status: { storedVersions: ['v1'] } });
    expect(bare.status).toEqual({ storedVersions: ['v1'] });
  });
});
