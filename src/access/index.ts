export type { AccessControl, Action, Principal } from './principal.js';
export { AccessKeyBasicAuth, AnonymousAccess, parseBasic } from './basic.js';
export { AccessKeyStore, MasterKey, bootstrapAdmin, type AccessKey } from './keys.js';
