import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import {
  cloudStatus,
  duration,
  initialValues,
  isSecretRef,
  kindTitle,
  parseList,
  placeholderFor,
  problemFields,
  toConfig,
  type CloudKind,
  type SyncStatus,
} from '../src/lib/cloudKinds';

export const AWS: CloudKind = {
  name: 'aws',
  title: 'Amazon Web Services',
  fields: [
    { name: 'accessKeyId', label: 'Access key ID', type: 'string', secret: false, required: false, advanced: false, help: 'An IAM access key ID.' },
    { name: 'secretAccessKey', label: 'Secret access key', type: 'string', secret: true, required: false, advanced: false, help: 'The secret; or env:NAME / file:/path.' },
    { name: 'sessionToken', label: 'Session token', type: 'string', secret: true, required: false, advanced: true },
    { name: 'regions', label: 'Regions', type: 'list', secret: false, required: false, advanced: false },
    { name: 'defaultRegion', label: 'Default region', type: 'string', secret: false, required: true, advanced: false, default: 'us-east-1' },
    { name: 'endpoint', label: 'Endpoint', type: 'string', secret: false, required: false, advanced: true },
  ],
};

export const PROXMOX: CloudKind = {
  name: 'proxmox',
  title: 'Proxmox VE',
  fields: [
    { name: 'endpoint', label: 'Endpoint', type: 'string', secret: false, required: true, advanced: false },
    { name: 'tokenSecret', label: 'API token secret', type: 'string', secret: true, required: false, advanced: false },
    { name: 'caCert', label: 'CA certificate (PEM)', type: 'text', secret: false, required: false, advanced: false },
    { name: 'insecureSkipVerify', label: 'Skip certificate verification', type: 'bool', secret: false, required: false, advanced: true },
    { name: 'addressWorkers', label: 'Address look-ups at once', type: 'int', secret: false, required: false, advanced: true, default: 8 },
    { name: 'mode', label: 'Mode', type: 'string', secret: false, required: false, advanced: true, options: ['', 'a', 'b'] },
  ],
};

describe('parseList', () => {
  it.each([
    ['', []],
    ['us-east-1', ['us-east-1']],
    ['us-east-1, eu-west-1', ['us-east-1', 'eu-west-1']],
    ['a\nb\r\n c ,, d,', ['a', 'b', 'c', 'd']],
  ])('%j', (input, want) => expect(parseList(input)).toEqual(want));
});

describe('initialValues', () => {
  it('a new account starts from the defaults', () => {
    expect(initialValues(AWS)).toEqual({ accessKeyId: '', secretAccessKey: '', sessionToken: '', regions: '', defaultRegion: 'us-east-1', endpoint: '' });
    expect(initialValues(PROXMOX)).toMatchObject({ insecureSkipVerify: false, addressWorkers: '8', mode: '' });
  });
  it('a saved account shows its config; secrets stay empty unless they are references', () => {
    const v = initialValues(AWS, { config: { accessKeyId: 'AKIA1', regions: ['a', 'b'], defaultRegion: 'eu-west-1', sessionToken: 'env:AWS_TOKEN' } });
    expect(v).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: '', sessionToken: 'env:AWS_TOKEN', regions: 'a, b', defaultRegion: 'eu-west-1', endpoint: '' });
    expect(initialValues(PROXMOX, { config: { endpoint: 'https://pve:8006', insecureSkipVerify: true } })).toMatchObject({
      insecureSkipVerify: true,
      addressWorkers: '',
    });
  });
});

describe('toConfig', () => {
  const cases: { name: string; kind: CloudKind; values: Record<string, string | boolean>; edit?: { original: Record<string, string | boolean>; secretsSet?: string[] }; config: object; errors?: object }[] = [
    {
      name: 'create sends what is set, lists as arrays',
      kind: AWS,
      values: { ...initialValues(AWS), accessKeyId: ' AKIA1 ', secretAccessKey: 's3cr3t', regions: 'us-east-1,\neu-west-1' },
      config: { accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t', regions: ['us-east-1', 'eu-west-1'], defaultRegion: 'us-east-1' },
    },
    {
      name: 'create: a required field left empty',
      kind: AWS,
      values: { ...initialValues(AWS), defaultRegion: '' },
      config: {},
      errors: { defaultRegion: 'Default region is required.' },
    },
    {
      name: 'create: ints, bools and text',
      kind: PROXMOX,
      values: { ...initialValues(PROXMOX), endpoint: 'https://pve:8006', caCert: 'A\r\nB', insecureSkipVerify: true, addressWorkers: '16' },
      config: { endpoint: 'https://pve:8006', caCert: 'A\nB', insecureSkipVerify: true, addressWorkers: 16 },
    },
    {
      name: 'create: a cleared default is sent as zero',
      kind: PROXMOX,
      values: { ...initialValues(PROXMOX), endpoint: 'https://pve:8006', addressWorkers: '' },
      config: { endpoint: 'https://pve:8006', addressWorkers: 0 },
    },
    {
      name: 'an int that is not a number',
      kind: PROXMOX,
      values: { ...initialValues(PROXMOX), endpoint: 'x', addressWorkers: '2.5' },
      config: { endpoint: 'x' },
      errors: { addressWorkers: 'Enter a whole number.' },
    },
    {
      name: 'edit sends only changed fields and no empty secret',
      kind: AWS,
      values: { accessKeyId: 'AKIA2', secretAccessKey: '', sessionToken: '', regions: 'a, b', defaultRegion: 'eu-west-1', endpoint: '' },
      edit: {
        original: { accessKeyId: 'AKIA1', secretAccessKey: '', sessionToken: '', regions: 'a,b', defaultRegion: 'eu-west-1', endpoint: '' },
        secretsSet: ['secretAccessKey'],
      },
      config: { accessKeyId: 'AKIA2' },
    },
    {
      name: 'edit: a typed secret replaces the stored one; an unchanged reference is not sent',
      kind: AWS,
      values: { accessKeyId: 'AKIA1', secretAccessKey: 'new', sessionToken: 'env:T', regions: '', defaultRegion: 'x', endpoint: 'http://e' },
      edit: { original: { accessKeyId: 'AKIA1', secretAccessKey: '', sessionToken: 'env:T', regions: '', defaultRegion: 'x', endpoint: '' } },
      config: { secretAccessKey: 'new', endpoint: 'http://e' },
    },
    {
      name: 'edit: a cleared reference is not sent (stored value kept); a cleared list is',
      kind: AWS,
      values: { accessKeyId: '', secretAccessKey: '', sessionToken: '', regions: '', defaultRegion: 'x', endpoint: '' },
      edit: { original: { accessKeyId: '', secretAccessKey: '', sessionToken: 'env:T', regions: 'a', defaultRegion: 'x', endpoint: '' } },
      config: { regions: [] },
    },
    {
      name: 'edit: bool toggled off',
      kind: PROXMOX,
      values: { endpoint: 'e', tokenSecret: '', caCert: '', insecureSkipVerify: false, addressWorkers: '', mode: 'b' },
      edit: { original: { endpoint: 'e', tokenSecret: '', caCert: '', insecureSkipVerify: true, addressWorkers: '', mode: '' }, secretsSet: ['tokenSecret'] },
      config: { insecureSkipVerify: false, mode: 'b' },
    },
  ];
  it.each(cases)('$name', ({ kind, values, edit, config, errors }) => {
    const r = toConfig(kind, values, edit);
    expect(r.config).toEqual(config);
    expect(r.errors).toEqual(errors ?? {});
  });

  it('never sends a secret left empty, whatever else changes', () => {
    for (const secretsSet of [[], ['secretAccessKey', 'sessionToken']]) {
      const original = initialValues(AWS, { config: { defaultRegion: 'x' } });
      const r = toConfig(AWS, { ...original, accessKeyId: 'new', regions: 'a' }, { original, secretsSet });
      expect(r.config).not.toHaveProperty('secretAccessKey');
      expect(r.config).not.toHaveProperty('sessionToken');
    }
  });
});

describe('problemFields', () => {
  const names = AWS.fields.map((f) => f.name);
  const bad = (detail: string, errors: { field: string; message: string }[] = []) =>
    new ApiError({ status: 400, code: 'invalid_request', detail, errors });
  it.each([
    {
      name: 'errors[] with config. prefixes and indexes',
      err: bad('x', [
        { field: 'config.regions[1]', message: 'not a region' },
        { field: 'name', message: 'too long' },
      ]),
      fields: { regions: 'not a region', name: 'too long' },
      general: false,
    },
    {
      name: 'the service detail, one field',
      err: bad('invalid cloud account: prod: config: defaultRegion: "x" is not a region'),
      fields: { defaultRegion: '"x" is not a region' },
      general: false,
    },
    {
      name: 'joined errors on several lines',
      err: bad('invalid cloud account: prod: config: regions[0]: "?" is not a region\nendpoint: must be an http(s) URL'),
      fields: { regions: '"?" is not a region', endpoint: 'must be an http(s) URL' },
      general: false,
    },
    {
      name: 'a bad name',
      err: bad("invalid cloud account: name: 1 to 64 letters, digits, spaces, '.', '_' or '-'"),
      fields: { name: "1 to 64 letters, digits, spaces, '.', '_' or '-'" },
      general: false,
    },
    {
      name: 'a check draft error (no name)',
      err: bad('invalid cloud account: config: regions: must be a list'),
      fields: { regions: 'must be a list' },
      general: false,
    },
    { name: 'an unknown field stays general', err: bad('invalid cloud account: prod: config: unknown field "zone"'), fields: {}, general: true },
    { name: 'not a 400', err: new ApiError({ status: 500, code: 'internal', detail: 'regions: boom' }), fields: {}, general: true },
    { name: 'not an ApiError', err: new Error('x'), fields: {}, general: true },
  ])('$name', ({ err, fields, general }) => {
    expect(problemFields(err, names)).toEqual({ fields, general });
  });
});

describe('cloudStatus', () => {
  const t = '2026-01-01T00:00:00Z';
  it.each<[string, SyncStatus | undefined, string]>([
    ['no status', undefined, 'never'],
    ['seen, never run', { cloudId: 1 }, 'never'],
    ['syncing', { syncing: true, lastEnd: t, error: 'x' }, 'syncing'],
    ['ok', { lastEnd: t, lastSuccess: t, vms: 3 }, 'ok'],
    ['failing with old data', { lastEnd: t, lastSuccess: t, error: 'denied', stale: true }, 'stale'],
    ['failing, never worked', { lastEnd: t, error: 'denied' }, 'error'],
  ])('%s', (_, s, want) => expect(cloudStatus(s)).toBe(want));
});

describe('small helpers', () => {
  it.each([
    [850, '850 ms'],
    [1300, '1.3 s'],
    [12_400, '12 s'],
    [125_000, '2 min 5 s'],
    [120_000, '2 min'],
  ])('duration(%d)', (ms, want) => expect(duration(ms)).toBe(want));
  it('references and titles', () => {
    expect(isSecretRef('env:X')).toBe(true);
    expect(isSecretRef('file:/run/s')).toBe(true);
    expect(isSecretRef('envy')).toBe(false);
    expect(kindTitle('gcp')).toBe('Google Cloud');
    expect(kindTitle('aws', [AWS])).toBe('Amazon Web Services');
    expect(placeholderFor(AWS.fields[4])).toBe('us-east-1');
    expect(placeholderFor(PROXMOX.fields[3])).toBeUndefined();
  });
});
