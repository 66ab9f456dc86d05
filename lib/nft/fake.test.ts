import { describe, expect, it } from 'vitest';
import { EBUSY, ErrorCode, isAlreadyExists, isInvalid, isNotFound } from '../errors/index.js';
import { FakeNft, NftError, type Rule, Transaction } from './index.js';
import {
  chain,
  clusterIps,
  element,
  proxyTransaction,
  rule,
  serviceIps,
  T,
  table,
} from './testing/fixtures.js';

async function loaded(): Promise<FakeNft> {
  const nft = new FakeNft();
  await nft.run(proxyTransaction());
  return nft;
}

async function rulesOf(nft: FakeNft, chainName: string): Promise<Rule[]> {
  return (await nft.listTable('ip', T)).filter((o): o is Rule => o.kind === 'rule' && o.chain === chainName);
}

describe('FakeNft', () => {
  it('dumps a sorted canonical script that parseDump loads back', async () => {
    const nft = await loaded();
    const dump = nft.dump();
    const lines = dump.trim().split('\n');
    expect(lines[0]).toBe('add table ip sy-proxy { comment "switchyard test" ; }');
    expect(lines.filter((l) => l.startsWith('add chain')).map((l) => l.split(' ')[4])).toEqual([
      'endpoint-1',
      'endpoint-2',
      'filter-forward',
      'nat-output',
      'nat-prerouting',
      'service-abc',
      'services',
    ]);
    // Rules keep chain order; elements come last, sorted by set and key.
    expect(
      lines.indexOf('add rule ip sy-proxy service-abc ip saddr @affinity-abc goto endpoint-1'),
    ).toBeLessThan(
      lines.indexOf(
        'add rule ip sy-proxy service-abc numgen random mod 2 vmap { 0 : goto endpoint-1, 1 : goto endpoint-2 }',
      ),
    );
    expect(lines.at(-1)).toBe('add element ip sy-proxy source-by-dest { 10.96.0.1 : 10.0.1.2 }');
    const copy = new FakeNft();
    copy.parseDump(dump);
    expect(copy.dump()).toBe(dump);
  });

  it('commits nothing when any operation fails', async () => {
    const nft = await loaded();
    const before = nft.dump();
    const tx = new Transaction()
      .add(element('cluster-ips', '10.96.0.99'))
      .add(rule('services', 'jump nowhere'));
    await expect(nft.run(tx)).rejects.toSatisfy(isNotFound);
    expect(nft.dump()).toBe(before);
    await expect(
      nft.check(new Transaction().add(element('cluster-ips', '10.96.0.98'))),
    ).resolves.toBeUndefined();
    expect(nft.dump()).toBe(before);
  });

  it('reports the transaction validation error at run()', async () => {
    const nft = new FakeNft();
    const tx = new Transaction()
      .add(table)
      .add(chain('c', { type: 'filter', hook: 'input', priority: Number.NaN }));
    await expect(nft.run(tx)).rejects.toSatisfy(isInvalid);
    expect(nft.dump()).toBe('');
  });

  it('has nft semantics for existing and missing objects', async () => {
    const nft = await loaded();
    const code = async (tx: Transaction): Promise<string> => {
      try {
        await nft.run(tx);
        return 'ok';
      } catch (err) {
        return err instanceof NftError ? `${err.code}/${err.errno}` : String(err);
      }
    };
    expect(await code(new Transaction().add(table).add(clusterIps).add(chain('services')))).toBe('ok');
    expect(await code(new Transaction().create(chain('services')))).toBe(`${ErrorCode.AlreadyExists}/17`);
    expect(await code(new Transaction().add({ ...clusterIps, type: 'ipv6_addr' }))).toBe(
      `${ErrorCode.AlreadyExists}/17`,
    );
    // A default timeout implies the timeout flag, so both spellings name the same set.
    expect(await code(new Transaction().add({ ...clusterIps, name: 'tmo', timeout: 60 }))).toBe('ok');
    expect(
      await code(new Transaction().add({ ...clusterIps, name: 'tmo', timeout: 60, flags: ['timeout'] })),
    ).toBe('ok');
    expect(
      await code(new Transaction().add(chain('services', { type: 'filter', hook: 'input', priority: 0 }))),
    ).toBe(`${ErrorCode.AlreadyExists}/17`);
    expect(
      await code(new Transaction().add(chain('nat-output', { type: 'nat', hook: 'output', priority: 5 }))),
    ).toBe(`${ErrorCode.Command}/95`);
    expect(await code(new Transaction().add(element('cluster-ips', '1.1.1.1', { value: 'accept' })))).toBe(
      `${ErrorCode.Command}/95`,
    );
    expect(await code(new Transaction().add(element('nope', '1.1.1.1')))).toBe(`${ErrorCode.NotFound}/2`);
    expect(await code(new Transaction().delete(serviceIps))).toBe(`${ErrorCode.Command}/${EBUSY}`);
    expect(await code(new Transaction().add(rule('nope', 'accept')))).toBe(`${ErrorCode.NotFound}/2`);
    await expect(nft.listTable('ip', 'missing')).rejects.toSatisfy(isNotFound);
    await expect(nft.run(new Transaction().create(table))).rejects.toSatisfy(isAlreadyExists);
  });

  it('positions rules by handle for add, insert, replace and delete', async () => {
    const nft = new FakeNft();
    await nft.run(
      new Transaction().add(table).add(chain('c')).add(rule('c', 'counter')).add(rule('c', 'drop')),
    );
    const [first, second] = await rulesOf(nft, 'c');
    await nft.run(
      new Transaction()
        .insert(rule('c', 'accept'))
        .add(rule('c', 'ct state new', { handle: first!.handle! }))
        .insert(rule('c', 'ip saddr 10.0.0.1', { handle: second!.handle! }))
        .replace(rule('c', 'return', { handle: second!.handle! })),
    );
    expect((await rulesOf(nft, 'c')).map((r) => r.rule)).toEqual([
      'accept',
      'counter',
      'ct state new',
      'ip saddr 10.0.0.1',
      'return',
    ]);
    await nft.run(new Transaction().delete(rule('c', '', { handle: first!.handle! })));
    expect((await rulesOf(nft, 'c')).map((r) => r.rule)).toEqual([
      'accept',
      'ct state new',
      'ip saddr 10.0.0.1',
      'return',
    ]);
    await expect(nft.run(new Transaction().delete(rule('c', '', { handle: 999 })))).rejects.toSatisfy(
      isNotFound,
    );
  });

  it('lists every table of the ruleset', async () => {
    const nft = await loaded();
    await nft.run(new Transaction().add({ kind: 'table', family: 'inet', name: 'other' }));
    const tables = (await nft.listRuleset())
      .filter((o) => o.kind === 'table')
      .map((o) => `${o.family} ${o.name}`);
    expect(tables).toEqual(['inet other', 'ip sy-proxy']);
  });
});
