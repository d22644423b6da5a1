/**
 * The real noble library, driven through a fake radio at its lowest seam (its
 * bindings: init / startScanning / stopScanning, emitting stateChange and
 * discover), replaying real captured AirPods frames.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadNoble, AirPodsScanner, type NobleLike, type ScannerStatus } from '../../electron/airpods/scanner';
import { AirPodsTracker } from '../../shared/airpods/tracker';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: EventEmitter) => NobleLike;

// Real frames (test/fixtures/airpods): one AirPods 2 state seen from each pod, and variations of it.
const FROM_LEFT_POD = '4c000719010f20339aa60100050185c65a0aff9097826bd7c542e1cc55'; // L 100 in ear, R 90 charging, case 60
const FROM_RIGHT_POD = '4c000719010f2053a9960200050185c65a0aff9097826bd7c542e1cc55';
const STRANGER = '4c000719010f20333306010005' + '0185c65a0aff9097826bd7c542e1cc55'; // same model and colour: L 30, R 30, case 60
const MALFORMED = '4c00071907192035dfde4676ce665cf46ebab6ac1b694ca7d809bf9a04'; // prefix 0x07

class FakeRadio extends EventEmitter {
  scanning: { uuids: string[]; duplicates: boolean } | undefined;
  constructor(private readonly initial: string) {
    super();
  }
  init() {
    setImmediate(() => this.emit('stateChange', this.initial));
  }
  setState(state: string) {
    this.emit('stateChange', state);
  }
  startScanning(uuids: string[], duplicates: boolean) {
    this.scanning = { uuids, duplicates };
    setImmediate(() => this.emit('scanStart', !duplicates));
  }
  stopScanning() {
    this.scanning = undefined;
    setImmediate(() => this.emit('scanStop'));
  }
  advert(address: string, hex: string, rssi: number) {
    const uuid = address.replace(/:/g, '');
    this.emit('discover', uuid, address, 'random', true, { manufacturerData: Buffer.from(hex, 'hex'), serviceData: [], serviceUuids: [] }, rssi, true);
  }
}

function setup(initial = 'poweredOn') {
  const radio = new FakeRadio(initial);
  const noble = withBindings(radio);
  let now = 1_000_000;
  const warnings: string[] = [];
  const tracker = new AirPodsTracker();
  const scanner = new AirPodsScanner({ noble }, { tracker, now: () => now, warn: (m) => warnings.push(m), pruneEveryMs: 3_600_000 });
  const statuses: ScannerStatus[] = [];
  scanner.onStatus((s) => statuses.push(s));
  scanner.start();
  return { radio, noble, scanner, tracker, warnings, statuses, advance: (ms: number) => (now += ms), time: () => now };
}

// noble initialises its bindings on process.nextTick and the fake radio answers on setImmediate:
// give both a turn, so scanning (with duplicates) has started before adverts arrive.
const settle = () => new Promise((r) => setTimeout(r, 10));

describe('AirPods scanner over the real noble library', () => {
  it('waits while Bluetooth is off, then scans with duplicates and no service filter when it comes on', async () => {
    const { radio, scanner } = setup('poweredOff');
    await settle();
    expect(scanner.status()).toMatchObject({ bluetooth: 'poweredOff', reason: 'Bluetooth is turned off' });
    expect(radio.scanning).toBeUndefined();
    radio.setState('poweredOn');
    await settle();
    expect(radio.scanning).toEqual({ uuids: [], duplicates: true });
    expect(scanner.status().bluetooth).toBe('scanning');
  });

  it('lists nearby pods for pairing, then follows mine across two alternating addresses', async () => {
    const { radio, scanner, tracker, advance, time } = setup();
    await settle();
    for (let i = 0; i < 6; i++) {
      radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -48);
      advance(500);
      radio.advert('aa:aa:aa:aa:aa:02', FROM_RIGHT_POD, -50);
      advance(500);
    }
    const nearby = scanner.status().nearby;
    expect(nearby.map((c) => [c.address, c.model])).toEqual([
      ['aa:aa:aa:aa:aa:01', 'AirPods (2nd generation)'],
      ['aa:aa:aa:aa:aa:02', 'AirPods (2nd generation)'],
    ]);
    tracker.pair('aa:aa:aa:aa:aa:01');
    for (let i = 0; i < 4; i++) {
      radio.advert('aa:aa:aa:aa:aa:02', FROM_RIGHT_POD, -50);
      advance(700);
      radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -47);
      advance(700);
    }
    const s = scanner.status().airpods;
    expect(s).toMatchObject({ state: 'tracking', frame: { left: { battery: 100, inEar: true }, right: { battery: 90, charging: true }, case: { battery: 60 } } });
    expect(s.state === 'tracking' && time() - s.lastSeen).toBeLessThan(1_000);
  });

  it("never shows a stranger's pods of the same model at a weaker signal", async () => {
    const { radio, scanner, tracker, advance } = setup();
    await settle();
    radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -45);
    tracker.pair('aa:aa:aa:aa:aa:01');
    for (let i = 0; i < 30; i++) {
      radio.advert('bb:bb:bb:bb:bb:01', STRANGER, -80); // one desk away
      advance(400);
      if (i % 3 === 0) radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -46);
      advance(400);
    }
    expect(scanner.status().airpods).toMatchObject({ state: 'tracking', address: 'aa:aa:aa:aa:aa:01', frame: { left: { battery: 100 } } });
  });

  it('says "not sure" when a same-model pair as close as mine cannot be told apart', async () => {
    const { radio, scanner, tracker, advance } = setup();
    await settle();
    const almostMine = FROM_LEFT_POD.replace(/^(.{16})9a/, '$199'); // byte 8: L 90 not 100, one step off
    radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -50);
    tracker.pair('aa:aa:aa:aa:aa:01');
    for (let i = 0; i < 5; i++) {
      radio.advert('cc:cc:cc:cc:cc:01', almostMine, -51);
      advance(300);
      radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -50);
      advance(300);
    }
    expect(scanner.status().airpods).toMatchObject({ state: 'not-sure', reason: 'another pair of the same model is just as close' });
  });

  it('expires my pods after 30 s of silence, and picks them up again on a rotated address', async () => {
    const { radio, scanner, tracker, advance } = setup();
    await settle();
    radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -50);
    tracker.pair('aa:aa:aa:aa:aa:01');
    advance(29_000);
    expect(scanner.status().airpods.state).toBe('tracking');
    advance(2_000);
    expect(scanner.status().airpods.state).toBe('not-seen');
    radio.advert('dd:dd:dd:dd:dd:01', FROM_LEFT_POD, -52); // new random address, same pods
    expect(scanner.status().airpods).toMatchObject({ state: 'tracking', address: 'dd:dd:dd:dd:dd:01' });
  });

  it('ignores a malformed advert with a logged warning', async () => {
    const { radio, scanner, warnings } = setup();
    await settle();
    radio.advert('ee:ee:ee:ee:ee:01', MALFORMED, -40);
    radio.advert('ee:ee:ee:ee:ee:02', '4c000719', -40);
    radio.advert('ee:ee:ee:ee:ee:03', '0600010920', -40); // not Apple: silently not ours
    expect(scanner.status().nearby).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^airpods: ignored a proximity-pairing advert that is not a status frame \(29 bytes from ee:ee:ee:ee:ee:01\)$/)]);
  });

  it("prunes noble's peripheral cache, so rotating addresses cannot grow memory without bound", async () => {
    const { radio, scanner, noble, advance } = setup();
    await settle();
    for (let i = 0; i < 2_000; i++) {
      radio.advert(`f0:00:00:00:${String(Math.floor(i / 256)).padStart(2, '0')}:${(i % 256).toString(16).padStart(2, '0')}`, FROM_LEFT_POD, -60);
      if (i % 100 === 99) {
        advance(61_000);
        scanner.prune();
      }
    }
    expect(Object.keys(noble._peripherals ?? {}).length).toBeLessThanOrEqual(100);
    expect(Object.keys(noble._discoveredPeripheralUUids ?? {}).length).toBeLessThanOrEqual(100);
  });
});

describe('without Bluetooth', () => {
  it('reports why, instead of crashing, when noble cannot load (EAFNOSUPPORT)', () => {
    const load = loadNoble(() => {
      throw Object.assign(new Error('EAFNOSUPPORT, Address family not supported by protocol'), { code: 'EAFNOSUPPORT' });
    });
    const scanner = new AirPodsScanner(load, { tracker: new AirPodsTracker() });
    scanner.start();
    expect(scanner.status()).toMatchObject({ bluetooth: 'unsupported', reason: 'this computer has no Bluetooth adapter Earshot can use (EAFNOSUPPORT)', airpods: { state: 'unpaired' } });
  });

  it('the real noble on this machine: loads or says why, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const load = loadNoble();
    const scanner = new AirPodsScanner(load, { tracker: new AirPodsTracker(), warn: () => undefined });
    scanner.start();
    await new Promise((r) => setTimeout(r, 50));
    scanner.stop();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    if ('unavailable' in load) expect(scanner.status().reason).toMatch(/Bluetooth|EAFNOSUPPORT/);
  });
});

describe('panel view of a real scanner status', () => {
  it('flattens tracking state and candidates', async () => {
    const { toAirPodsView } = await import('../../electron/airpods/scanner');
    const { radio, scanner, tracker } = setup();
    await settle();
    radio.advert('aa:aa:aa:aa:aa:01', FROM_LEFT_POD, -48);
    tracker.pair('aa:aa:aa:aa:aa:01');
    const view = toAirPodsView(scanner.status());
    expect(view).toMatchObject({ bluetooth: 'scanning', state: 'tracking', model: 'AirPods (2nd generation)', left: { battery: 100, inEar: true }, rssi: -48 });
    expect(view.nearby[0]).toMatchObject({ address: 'aa:aa:aa:aa:aa:01', summary: 'L 100% · R 90% · case 60%' });
  });
});
