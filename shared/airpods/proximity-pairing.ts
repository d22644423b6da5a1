/**
 * Decodes Apple Continuity "proximity pairing" status adverts (AirPods, Beats):
 * battery, charging, in-ear and lid state, in the clear part of the frame.
 *
 * Input: `advertisement.manufacturerData` exactly as noble gives it, company id first:
 *
 *   m0-1  4c 00       Apple
 *   m2    07          proximity pairing        m3   19 (25 bytes follow)
 *   m4    01          status frame (other prefixes are not: rejected)
 *   m5-6  model id, big-endian (0x2420 = AirPods Pro 2 USB-C)
 *   m7    status: bit1/bit3 in-ear flags, bit2 both pods in case, bit4 one pod in case,
 *                 bit5 primary pod is left, bit6 the broadcasting pod is in the case
 *   m8    pod batteries, a nibble each (primary left: left = low, right = high; else swapped)
 *   m9    high nibble charging (0x1 left, 0x2 right — swapped like the batteries — 0x4 case),
 *         low nibble case battery
 *   m10   lid: bit3 = closed, meaningful only when a pod is in the case (m7 bit6 or bit2)
 *   m11   colour     m12  connection state     last 16 bytes: encrypted (needs the device's key)
 *
 * Battery nibbles: 0–10 → ×10 %, 11–14 → 100 %, 15 → unknown (null).
 * In-ear: if (primary is right) XOR (bit6) then left = bit3, right = bit1; else the reverse.
 * Known disagreements between decoders (nibble order, the in-ear XOR with the in-case bit,
 * the lid byte) are settled by the captured frames in test/fixtures/airpods.
 */

export interface PodStatus {
  battery: number | null;
  charging: boolean;
  inEar: boolean;
}

export interface CaseStatus {
  battery: number | null;
  charging: boolean;
  /** null when no pod is in the case: the lid byte is not meaningful then. */
  lidOpen: boolean | null;
}

export interface ProximityPairing {
  modelId: number;
  model: string;
  color: number;
  /** Which pod is sending the advert's primary battery. */
  primary: 'left' | 'right';
  /** Two-pod devices. */
  left?: PodStatus;
  right?: PodStatus;
  case?: CaseStatus;
  /** One-battery devices (AirPods Max, Beats headphones). */
  single?: { battery: number | null; charging: boolean };
}

interface ModelInfo {
  name: string;
  single?: true;
}

/** Model ids as they appear in bytes 5–6 (big-endian). */
export const MODELS: ReadonlyMap<number, ModelInfo> = new Map<number, ModelInfo>([
  [0x0220, { name: 'AirPods (1st generation)' }],
  [0x0f20, { name: 'AirPods (2nd generation)' }],
  [0x1320, { name: 'AirPods (3rd generation)' }],
  [0x1920, { name: 'AirPods 4' }],
  [0x1b20, { name: 'AirPods 4 (ANC)' }],
  [0x0e20, { name: 'AirPods Pro' }],
  [0x1420, { name: 'AirPods Pro 2' }],
  [0x2420, { name: 'AirPods Pro 2 (USB-C)' }],
  [0x0a20, { name: 'AirPods Max', single: true }],
  [0x1f20, { name: 'AirPods Max (USB-C)', single: true }],
  [0x0b20, { name: 'Powerbeats Pro' }],
  [0x1d20, { name: 'Powerbeats Pro 2' }],
  [0x0320, { name: 'Powerbeats3', single: true }],
  [0x0520, { name: 'BeatsX', single: true }],
  [0x0620, { name: 'Beats Solo3', single: true }],
  [0x0920, { name: 'Beats Studio3', single: true }],
  [0x0c20, { name: 'Beats Solo Pro', single: true }],
  [0x1020, { name: 'Beats Flex', single: true }],
  [0x1120, { name: 'Beats Studio Buds' }],
  [0x1220, { name: 'Beats Fit Pro' }],
  [0x1620, { name: 'Beats Studio Buds+' }],
  [0x1720, { name: 'Beats Studio Pro', single: true }],
]);

const FRAME_LENGTH = 29;

export function batteryPercent(nibble: number): number | null {
  if (nibble === 15) return null;
  return nibble > 10 ? 100 : nibble * 10;
}

const bit = (byte: number, n: number): boolean => ((byte >> n) & 1) === 1;

/** The decoded status, or null for anything that is not a well-formed status frame. Never throws. */
export function decodeProximityPairing(manufacturerData: Uint8Array): ProximityPairing | null {
  const m = manufacturerData;
  if (!(m instanceof Uint8Array) || m.length !== FRAME_LENGTH) return null;
  if (m[0] !== 0x4c || m[1] !== 0x00 || m[2] !== 0x07 || m[3] !== 0x19 || m[4] !== 0x01) return null;
  const at = (i: number): number => m[i] as number; // length checked above
  const modelId = (at(5) << 8) | at(6);
  const info = MODELS.get(modelId);
  const status = at(7);
  const primaryLeft = bit(status, 5);
  const broadcasterInCase = bit(status, 6);
  const bothInCase = bit(status, 2);

  const [leftNibble, rightNibble] = primaryLeft ? [at(8) & 0x0f, at(8) >> 4] : [at(8) >> 4, at(8) & 0x0f];
  const charging = at(9) >> 4;
  const [leftCharging, rightCharging] = primaryLeft ? [bit(charging, 0), bit(charging, 1)] : [bit(charging, 1), bit(charging, 0)];
  const flip = !primaryLeft !== broadcasterInCase;
  const [leftInEar, rightInEar] = flip ? [bit(status, 3), bit(status, 1)] : [bit(status, 1), bit(status, 3)];

  const base = {
    modelId,
    model: info?.name ?? `Unknown Apple device (0x${modelId.toString(16).padStart(4, '0')})`,
    color: at(11),
    primary: primaryLeft ? ('left' as const) : ('right' as const),
  };
  if (info?.single) {
    // One battery: the primary nibble, and the primary charging flag.
    return { ...base, single: { battery: batteryPercent(at(8) & 0x0f), charging: bit(charging, 0) } };
  }
  return {
    ...base,
    left: { battery: batteryPercent(leftNibble), charging: leftCharging, inEar: leftInEar },
    right: { battery: batteryPercent(rightNibble), charging: rightCharging, inEar: rightInEar },
    case: {
      battery: batteryPercent(at(9) & 0x0f),
      charging: bit(charging, 2),
      lidOpen: broadcasterInCase || bothInCase ? !bit(at(10), 3) : null,
    },
  };
}

/** Hex (as in captures) to bytes; null when it is not hex. */
export function hexToBytes(hex: string): Uint8Array | null {
  const clean = hex.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
