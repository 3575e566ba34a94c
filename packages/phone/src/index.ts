export { appClientId, PhoneError, redirectUri, ResidentApp } from './phone.ts';
export {
  dpopProof,
  exportDeviceKey,
  importDeviceKey,
  newDeviceKey,
  pkcePair,
  signCompact,
  type DeviceKey,
} from './jose.ts';
