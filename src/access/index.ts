export type { AccessControl, Action, AuthenticationResult, Principal, RequestInfo } from './principal.js';
export { AnonymousAccess, parseBasic } from './basic.js';
