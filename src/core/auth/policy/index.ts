export {
  PolicyEnforcer,
  PolicyError,
  type EffectiveRule,
  type PolicyDefault,
  type PolicyEnforcerOptions,
  type PolicyOperation,
  type PolicyOverrides,
} from './enforcer.ts';
export { loadPolicyFile, policyOverrides } from './policy-file.ts';
export {
  PolicyParseError,
  parseCheckString,
  printPolicy,
  referencedRules,
  type CredentialOperand,
  type PolicyNode,
  type TemplatePart,
} from './parser.ts';
export { compilePolicy, type CompiledCheck } from './compile.ts';
export {
  policyString,
  readTarget,
  targetLookup,
  targetPath,
  type PolicyCredentials,
  type PolicyTarget,
  type PolicyTokenData,
  type TargetLookup,
  type TargetPath,
} from './credentials.ts';
export { allOf, anyOf, persona, personaPolicies } from './personas.ts';
