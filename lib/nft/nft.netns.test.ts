/**
 * Real-kernel tests: each test gets its own network namespace (uniqueName) and runs the same
 * transactions through the real nft and through FakeNft, so every assertion also checks that
 * the fake behaves like the kernel.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { EBUSY, ErrorCode, isAlreadyExists, isNotFound } from '../errors/index.js';
import { createNetns, deleteNetns } from '../netns/index.js';
import {
  createNft,
  dumpObjects,
  FakeNft,
  type Nft,
  NftError,
  type NftObject,
  type Rule,
  Transaction,
} from './index.js';
import {
  affinity,
  chain,
  clusterIps,
  element,
  proxyTransaction,
  rule,
  scaledTransaction,
  T,
  table,
} from './testing/fixtures.js';

/** Runs tx on both; returns each side's error code (or 'ok') so the test can compare. */
async function both(real: Nft, fake: FakeNft, tx: Transaction): Promise<{ real: string; fake: string }> {
  const outcome = async (nft: Nft): Promise<string> => {
    try {
      await nft.run(tx);
      return 'ok';
    } catch (err) {
      if (!(err instanceof NftError)) throw err;
      return `${err.code}/${err.errno ?? '-'}`;
    }
  };
  return { real: await outcome(real), fake: await outcome(fake) };
}

function rawRuleset(ns: string): string {
  // `expires` counts down between listings; everything else must be byte-identical.
  return execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }).replace(
    / expires \S+/g,
    '',
  );
}

describeKernel('nft against the kernel', () => {
  let ns = '';
  let real: Nft;
  let fake: FakeNft;

  beforeEach(() => {
    ns = uniqueName('nft');
    createNetns(ns);
    real = createNft({ netns: ns });
    fake = new FakeNft();
  });

  afterEach(() => {
    if (ns !== '') deleteNetns(ns);
    ns = '';
  });

  it('applies a full transaction and reads back exactly the rendered model', async () => {
    const tx = proxyTransaction();
    await real.check(tx);
    expect(await both(real, fake, tx)).toEqual({ real: 'ok', fake: 'ok' });
    const back = await real.listRuleset();
    expect(dumpObjects(back)).toBe(fake.dump());
    // And the fake's dump is the canonical form of what we rendered, object for object.
    expect(fake.dump()).toBe(dumpObjects(tx.operations.map((op) => op.object)));
    // Rules read back carry their kernel handles; the model without them matches.
    const rules = back.filter((o): o is Rule => o.kind === 'rule');
    expect(rules.every((r) => typeof r.handle === 'number' && r.handle > 0)).toBe(true);
    expect(await real.listTable('ip', T)).toEqual(back);
  });

  it('scales: 1000 services apply in one transaction and read back equal to the fake', async () => {
    const tx = scaledTransaction(1000);
    const t0 = performance.now();
    await real.run(tx);
    const applied = performance.now();
    const back = await real.listTable('ip', T);
    const listed = performance.now();
    await fake.run(tx);
    const faked = performance.now();
    expect(dumpObjects(back)).toBe(fake.dump());
    expect(back.filter((o) => o.kind === 'chain')).toHaveLength(2 + 3000);
    console.info(
      `nft scale: ${tx.size} ops; nft -f ${Math.round(applied - t0)} ms; ` +
        `read back ${Math.round(listed - applied)} ms; fake ${Math.round(faked - listed)} ms`,
    );
  });

  it('a missing namespace is reported as not found', async () => {
    const nowhere = createNft({ netns: `${ns}-missing` });
    await expect(nowhere.run(new Transaction().add(table))).rejects.toSatisfy(isNotFound);
  });

  it('reads back netdev device chains and typeof keys', async () => {
    const tx = new Transaction()
      .add({ kind: 'table', family: 'netdev', name: 'sy-ingress' })
      .add({
        kind: 'chain',
        family: 'netdev',
        table: 'sy-ingress',
        name: 'lo-in',
        type: 'filter',
        hook: 'ingress',
        device: 'lo',
        priority: -5,
        comment: 'loopback ingress',
      })
      .add({ kind: 'set', family: 'netdev', table: 'sy-ingress', name: 'k', typeof: 'ip saddr . tcp dport' })
      .add({
        kind: 'rule',
        family: 'netdev',
        table: 'sy-ingress',
        chain: 'lo-in',
        rule: 'ip saddr . tcp dport @k drop',
      });
    expect(await both(real, fake, tx)).toEqual({ real: 'ok', fake: 'ok' });
    expect(dumpObjects(await real.listTable('netdev', 'sy-ingress'))).toBe(fake.dump());
  });

  it('a transaction with one bad rule changes nothing', async () => {
    await real.run(proxyTransaction());
    await fake.run(proxyTransaction());
    const before = rawRuleset(ns);
    const fakeBefore = fake.dump();
    const tx = new Transaction()
      .add(element('cluster-ips', '10.96.0.99'))
      .add(chain('service-new'))
      .add(rule('services', 'ip daddr 10.96.0.99 jump service-new'))
      .add(rule('service-new', 'ip daddr @no-such-set accept'));
    const r = await both(real, fake, tx);
    expect(r).toEqual({ real: `${ErrorCode.NotFound}/2`, fake: `${ErrorCode.NotFound}/2` });
    expect(rawRuleset(ns)).toBe(before);
    expect(fake.dump()).toBe(fakeBefore);
    // A syntax error is caught by nft's parser before the kernel sees anything.
    const syntax = new Transaction()
      .add(element('cluster-ips', '10.96.0.98'))
      .add(rule('services', 'ip daddr frobnicate'));
    await expect(real.run(syntax)).rejects.toMatchObject({ code: ErrorCode.Command });
    expect(rawRuleset(ns)).toBe(before);
  });

  it('delete, flush and destroy behave like nft in both the kernel and the fake', async () => {
    expect(await both(real, fake, proxyTransaction())).toEqual({ real: 'ok', fake: 'ok' });
    const cases: [string, Transaction, string][] = [
      ['create an existing table', new Transaction().create(table), `${ErrorCode.AlreadyExists}/17`],
      [
        'delete a missing set',
        new Transaction().delete({ ...clusterIps, name: 'nope' }),
        `${ErrorCode.NotFound}/2`,
      ],
      [
        'delete a chain that has rules',
        new Transaction().delete(chain('endpoint-2')),
        `${ErrorCode.Command}/${EBUSY}`,
      ],
      [
        'delete a chain a map still jumps to',
        new Transaction().flush(chain('service-abc')).delete(chain('service-abc')),
        `${ErrorCode.Command}/${EBUSY}`,
      ],
      ['delete a set a rule uses', new Transaction().delete(clusterIps), `${ErrorCode.Command}/${EBUSY}`],
      [
        'add an element with another verdict',
        new Transaction().add(element('service-ips', '10.96.0.1 . tcp . 80', { value: 'goto endpoint-1' })),
        `${ErrorCode.AlreadyExists}/17`,
      ],
      [
        'delete a missing element',
        new Transaction().delete(element('cluster-ips', '10.9.9.9')),
        `${ErrorCode.NotFound}/2`,
      ],
      ['flush a missing chain', new Transaction().flush(chain('nope')), `${ErrorCode.NotFound}/2`],
      [
        'destroy a missing table',
        new Transaction().destroy({ kind: 'table', family: 'ip', name: 'gone' }),
        'ok',
      ],
      ['destroy a missing set', new Transaction().destroy({ ...affinity, name: 'gone' }), 'ok'],
      ['flush the table: rules go, elements stay', new Transaction().flush(table), 'ok'],
      [
        'an empty chain a map still points to stays busy',
        new Transaction().delete(chain('endpoint-2')),
        `${ErrorCode.Command}/${EBUSY}`,
      ],
      [
        'once nothing jumps to it',
        new Transaction()
          .delete(element('service-ips', '10.96.0.10 . udp . 53'))
          .destroy(chain('endpoint-2')),
        'ok',
      ],
      [
        're-adding the same element is a no-op',
        new Transaction().add(element('cluster-ips', '10.96.0.1')),
        'ok',
      ],
      [
        're-adding an element refreshes its timeout',
        new Transaction().add(element('affinity-abc', '192.0.2.7', { timeout: 900 })),
        'ok',
      ],
      [
        'a prefix with host bits is stored as its network',
        new Transaction().add(element('service-ranges', '10.97.1.2/16')),
        'ok',
      ],
      [
        'an aligned range is stored as a prefix, a /32 as an address',
        new Transaction()
          .add(element('service-ranges', '10.200.0.0-10.200.0.255'))
          .add(element('service-ranges', '10.201.0.7/32')),
        'ok',
      ],
      [
        'the same interval again is a no-op',
        new Transaction().add(element('service-ranges', '10.96.0.0/16')),
        'ok',
      ],
      [
        'an overlapping interval is refused',
        new Transaction().add(element('service-ranges', '10.96.1.0/24')),
        `${ErrorCode.Command}/-`,
      ],
    ];
    for (const [name, tx, want] of cases) {
      const got = await both(real, fake, tx);
      expect({ name, ...got }).toEqual({ name, real: want, fake: want });
      expect({ name, dump: dumpObjects(await real.listRuleset()) }).toEqual({ name, dump: fake.dump() });
    }
    const after = await real.listTable('ip', T);
    expect(after.filter((o) => o.kind === 'rule')).toEqual([]);
    expect(after.filter((o) => o.kind === 'element').length).toBeGreaterThan(0);
    await real.run(new Transaction().delete(table));
    await expect(real.listTable('ip', T)).rejects.toSatisfy(isNotFound);
    await expect(real.run(new Transaction().delete(table))).rejects.toSatisfy(isNotFound);
    await expect(real.run(new Transaction().add(table).create(table))).rejects.toSatisfy(isAlreadyExists);
  });

  it('an element update changes only the elements', async () => {
    await real.run(proxyTransaction());
    await fake.run(proxyTransaction());
    const before = await real.listTable('ip', T);
    const tx = new Transaction()
      .delete(element('service-ips', '10.96.0.1 . tcp . 80'))
      .add(element('service-ips', '10.96.0.1 . tcp . 80', { value: 'goto endpoint-2' }))
      .add(element('service-ips', '10.96.0.2 . tcp . 443', { value: 'goto service-abc' }))
      .delete(element('cluster-ips', '10.96.0.10'));
    expect(await both(real, fake, tx)).toEqual({ real: 'ok', fake: 'ok' });
    const after = await real.listTable('ip', T);
    const notElements = (objs: NftObject[]) => objs.filter((o) => o.kind !== 'element');
    // Rules keep their handles: nothing but elements was touched.
    expect(notElements(after)).toEqual(notElements(before));
    const keys = (objs: NftObject[]) =>
      objs.flatMap((o) =>
        o.kind === 'element' ? [`${o.set} ${o.key}${o.value ? ` : ${o.value}` : ''}`] : [],
      );
    const removed = keys(before).filter((k) => !keys(after).includes(k));
    const added = keys(after).filter((k) => !keys(before).includes(k));
    expect(removed).toEqual([
      'cluster-ips 10.96.0.10',
      'service-ips 10.96.0.1 . tcp . 80 : goto service-abc',
    ]);
    expect(added).toEqual([
      'service-ips 10.96.0.1 . tcp . 80 : goto endpoint-2',
      'service-ips 10.96.0.2 . tcp . 443 : goto service-abc',
    ]);
    expect(dumpObjects(after)).toBe(fake.dump());
  });
});
