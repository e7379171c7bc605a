// The pure checks behind the update controller: version order, whose files a feed offers, and error wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, describeUpdateError, olderOffer, refuseOffer } from './feed-checks';

test('semantic version order, prereleases before releases', () => {
  assert.equal(compareVersions('0.2.0', '0.1.0'), 1);
  assert.equal(compareVersions('0.1.0', '0.1.0'), 0);
  assert.equal(compareVersions('0.10.0', '0.9.9'), 1);
  assert.equal(compareVersions('1.0.0-beta.2', '1.0.0'), -1);
  assert.equal(compareVersions('1.0.0-beta.10', '1.0.0-beta.2'), 1);
  assert.equal(compareVersions('1.0.0-alpha', '1.0.0-1'), 1);
  assert.equal(compareVersions('v1.2.3', '1.2.3+build'), 0);
  assert.equal(compareVersions('banana', '1.0.0'), null);
});

test('older offers are named; equal or newer ones are not', () => {
  assert.match(olderOffer('0.0.9', '0.1.0', 'Loopgate')!.message, /offers Loopgate 0\.0\.9, older than this 0\.1\.0/);
  assert.equal(olderOffer('0.1.0', '0.1.0', 'Loopgate'), null);
  assert.equal(olderOffer('nonsense', '0.1.0', 'Loopgate'), null);
});

test('only Loopgate installers of the offered version, as bare names beside the feed', () => {
  const ok = ['Loopgate-1.2.0-x86_64.AppImage', 'Loopgate-1.2.0-amd64.deb', 'Loopgate-1.2.0-x64.exe', 'Loopgate-1.2.0-arm64.zip', 'Loopgate-1.2.0-universal.dmg'];
  for (const url of ok) assert.equal(refuseOffer({ version: '1.2.0', files: [{ url }] }, 'Loopgate'), null, url);
  const bad = ['Other-1.2.0-x86_64.AppImage', 'Loopgate-1.1.0-x86_64.AppImage', 'Loopgate-1.2.0-x86_64.sh', 'sub/Loopgate-1.2.0.AppImage',
    '..%2FLoopgate-1.2.0.AppImage', 'https://elsewhere.example/Loopgate-1.2.0.AppImage', '.Loopgate-1.2.0.AppImage', 'loopgate-1.2.0.AppImage'];
  for (const url of bad) assert.equal(refuseOffer({ version: '1.2.0', files: [{ url }] }, 'Loopgate')?.problem, 'different-app', url);
  // One foreign file spoils the offer.
  assert.equal(refuseOffer({ version: '1.2.0', files: [{ url: ok[0]! }, { url: bad[0]! }] }, 'Loopgate')?.problem, 'different-app');
  assert.equal(refuseOffer({ version: '1.2.0', files: [] }, 'Loopgate')?.problem, 'corrupt-feed');
});

test('errors become one sentence with a kind', () => {
  const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.deepEqual(describeUpdateError(net, 'check'), { problem: 'offline', message: 'Could not reach the update server (ECONNREFUSED).' });
  assert.equal(describeUpdateError(new Error('net::ERR_INTERNET_DISCONNECTED'), 'check').problem, 'offline');
  assert.equal(describeUpdateError(Object.assign(new Error('sha512 checksum mismatch, expected x, got y'), { code: 'ERR_CHECKSUM_MISMATCH' }), 'download').problem, 'bad-checksum');
  const feed = describeUpdateError(Object.assign(new Error('Cannot parse update info from latest.yml\n  at stack\n  rawData: secret-ish'), { code: 'ERR_UPDATER_INVALID_UPDATE_INFO' }), 'check');
  assert.deepEqual(feed, { problem: 'corrupt-feed', message: 'The update feed is not valid: Cannot parse update info from latest.yml' });
  assert.deepEqual(describeUpdateError(Object.assign(new Error('HttpError: 503'), { statusCode: 503 }), 'download'), { problem: 'failed', message: 'The update server answered HTTP 503 during the download.' });
  assert.equal(describeUpdateError('weird', 'check').problem, 'failed');
  assert.equal(describeUpdateError(undefined, 'check').problem, 'failed');
});
