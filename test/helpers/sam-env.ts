/**
 * What `sam local invoke` and `sam local start-api` make of a synthesized CDK template, modelled on
 * SAM CLI 1.164's own code (aws/aws-sam-cli, read, not copied) so that tests can run the bundles with
 * exactly the environment a SAM container would get. Each rule names the SAM function it follows.
 *
 * Not modelled: what the Lambda base image sets itself (`LAMBDA_TASK_ROOT`, `_HANDLER`, `TZ`, `PATH`, ...),
 * which no code of ours reads, and intrinsics our templates do not put in a function's environment:
 * meeting one fails loudly instead of guessing.
 */

export type CfnTemplate = {
  readonly Parameters?: Readonly<Record<string, { readonly Type?: string; readonly Default?: unknown }>>;
  readonly Resources: Readonly<Record<string, CfnResource>>;
};

export type CfnResource = {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
};

/** What `sam local --env-vars` reads: `Parameters` for every function, and sections per function. */
export type SamEnvFile = Readonly<Record<string, unknown>>;

/** A function as SAM's provider sees it (samcli/lib/providers/sam_function_provider.py, `_build_function_configuration`). */
export interface SamFunction {
  /** `Function.name`: the logical id. */
  readonly logicalId: string;
  /** `Function.function_id`: `Metadata.SamResourceId`, which the normalizer takes from `aws:cdk:path`. */
  readonly functionId: string;
  /** `Function.functionname`: `Properties.FunctionName`, else the logical id. */
  readonly functionName: string;
  /** `Function.full_path`: the function id, in the root stack. */
  readonly fullPath: string;
  readonly handler: string;
  readonly memory: unknown;
  readonly timeout: unknown;
  /** The code directory, relative to the template (`Metadata['aws:asset:path']`, what SAM mounts). */
  readonly codeUri: string | undefined;
  /** `Environment.Variables` after SAM's intrinsic resolution: unresolvable values are left as they were. */
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  readonly loggingConfig: Readonly<Record<string, unknown>>;
}

/** The credentials and region SAM finds in the caller's profile (`LocalLambdaRunner.get_aws_creds`). */
export interface SamAwsCredentials {
  readonly region?: string;
  readonly key?: string;
  readonly secret?: string;
  readonly sessiontoken?: string;
}

/**
 * The values SAM gives pseudo parameters (`IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES`); they
 * reach the symbol table as parameter values, so they win over the caller's AWS_REGION.
 */
export const SAM_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::StackName': 'local',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:123456789012:stack/local/51af3dc0-da77-11e4-872e-1234567db123',
  'AWS::URLSuffix': 'localhost',
};

/** SAM's own placeholders when the profile has none (`EnvironmentVariables._DEFAULT_AWS_CREDS`). */
const DEFAULT_AWS_CREDENTIALS = { region: 'us-east-1', key: 'defaultkey', secret: 'defaultsecret' };

/** An intrinsic SAM's resolver raises on (InvalidSymbolException, InvalidIntrinsicException). */
class Unresolvable extends Error {}

/** The intrinsic functions SAM's resolver knows (`IntrinsicResolver.SUPPORTED_INTRINSIC_FUNCTIONS` and the conditions). */
const SAM_INTRINSICS = new Set([
  'Fn::Join',
  'Fn::Split',
  'Fn::Sub',
  'Fn::Select',
  'Fn::Base64',
  'Fn::FindInMap',
  'Fn::Transform',
  'Fn::GetAZs',
  'Ref',
  'Fn::GetAtt',
  'Fn::ImportValue',
  'Fn::And',
  'Fn::Or',
  'Fn::If',
  'Fn::Equals',
  'Fn::Not',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Types with their own symbols in `IntrinsicsSymbolTable.get_default_type_resolver`. */
const TYPE_SPECIFIC_SYMBOLS = [
  'AWS::ApiGateway::RestApi',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Alias',
  'AWS::Serverless::LayerVersion',
];

/**
 * `IntrinsicsSymbolTable.resolve_symbols` for a `Ref` or `Fn::GetAtt`: parameter values (pseudo
 * parameters included), parameter defaults, then per attribute: `Ref` of a resource is its logical id,
 * `Arn` is a Lambda-style ARN of the resource; any other attribute is unresolvable.
 */
function resolveSymbol(template: CfnTemplate, logicalId: string, attribute: string): unknown {
  const parameterValue = SAM_PSEUDO_PARAMETERS[logicalId];
  if (parameterValue !== undefined && attribute === 'Ref') return parameterValue;
  if (logicalId.startsWith('AWS::')) throw new Error(`the SAM model has no value for ${logicalId}`);
  const parameter = template.Parameters?.[logicalId];
  if (parameter && parameter.Default !== undefined && parameter.Default !== null) return parameter.Default;
  const resource = template.Resources[logicalId];
  if (resource && TYPE_SPECIFIC_SYMBOLS.includes(resource.Type)) {
    throw new Error(`the SAM model does not cover ${attribute} of a ${resource.Type}`);
  }
  if (attribute === 'Ref') return logicalId;
  if (attribute === 'Arn') {
    // `arn_resolver` with its default service, lambda, whatever the resource is.
    const name = resource?.Properties?.FunctionName ?? logicalId;
    return `arn:aws:lambda:${SAM_PSEUDO_PARAMETERS['AWS::Region']}:${SAM_PSEUDO_PARAMETERS['AWS::AccountId']}:function:${String(name)}`;
  }
  throw new Unresolvable(`${logicalId}.${attribute}`);
}

/**
 * `IntrinsicResolver.intrinsic_property_resolver` with `ignore_errors=True`, as `SamBaseProvider.get_template`
 * runs it over every resource: an intrinsic that fails leaves the value of the nearest enclosing plain
 * object's key as it was (samcli issue 1386), so a variable whose value cannot be resolved keeps the
 * intrinsic itself.
 */
export function resolveIntrinsics(template: CfnTemplate, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(template, item));
  if (!isPlainObject(value) || Object.keys(value).length === 0) return value;
  const [key] = Object.keys(value);
  if (key !== undefined && SAM_INTRINSICS.has(key)) return resolveIntrinsic(template, key, value[key]);
  const resolved: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) {
    try {
      resolved[name] = resolveIntrinsics(template, inner);
    } catch (error) {
      if (!(error instanceof Unresolvable)) throw error;
      resolved[name] = inner;
    }
  }
  return resolved;
}

function resolveIntrinsic(template: CfnTemplate, name: string, argument: unknown): unknown {
  switch (name) {
    case 'Ref': {
      const target = resolveIntrinsics(template, argument);
      if (typeof target !== 'string') throw new Unresolvable('Ref of a non-string');
      return resolveSymbol(template, target, 'Ref');
    }
    case 'Fn::GetAtt': {
      const args = resolveIntrinsics(template, argument);
      if (!Array.isArray(args) || args.length !== 2) throw new Unresolvable('Fn::GetAtt needs two arguments');
      const [logicalId, attribute] = args.map((arg) => resolveIntrinsics(template, arg));
      if (typeof logicalId !== 'string' || typeof attribute !== 'string') throw new Unresolvable('Fn::GetAtt');
      return resolveSymbol(template, logicalId, attribute);
    }
    case 'Fn::Join': {
      const args = resolveIntrinsics(template, argument);
      if (!Array.isArray(args) || typeof args[0] !== 'string') throw new Unresolvable('Fn::Join delimiter');
      const parts = resolveIntrinsics(template, args[1]);
      if (!Array.isArray(parts)) throw new Unresolvable('Fn::Join list');
      const strings = parts.map((part) => resolveIntrinsics(template, part));
      if (!strings.every((part): part is string => typeof part === 'string')) throw new Unresolvable('Fn::Join item');
      return strings.join(args[0]);
    }
    default:
      throw new Error(`the SAM model does not cover ${name}; extend it from samcli/lib/intrinsic_resolver`);
  }
}

/**
 * `ResourceMetadataNormalizer.get_resource_id`: `SamResourceId` if set, else from `aws:cdk:path`
 * (`Stack/Id/Resource` -> `Id`; two or three parts only), else the logical id.
 */
export function samResourceId(resource: CfnResource, logicalId: string): string {
  const own = resource.Metadata?.SamResourceId;
  if (typeof own === 'string' && own) return own;
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string' || !path) return logicalId;
  const parts = path.split('/');
  if (parts.length < 2 || parts.length > 3) return logicalId;
  return (parts.at(-1) === 'Resource' ? parts.at(-2) : parts.at(-1)) ?? logicalId;
}

/** Every `AWS::Lambda::Function` SAM can run: those whose code is local (`SamFunctionProvider._extract_functions`). */
export function samFunctions(template: CfnTemplate): SamFunction[] {
  const functions: SamFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const codeUri = resource.Metadata?.['aws:asset:path'];
    // Without asset metadata Code stays an S3 location, which SAM warns about and skips.
    if (resource.Metadata?.['aws:asset:property'] !== 'Code' || typeof codeUri !== 'string') continue;
    // `ResourceMetadataNormalizer.normalize` points the asset property at the asset before resolution.
    const normalized = { ...resource.Properties, Code: codeUri };
    const properties = resolveIntrinsics(template, normalized) as Record<string, unknown>;
    const environment = properties.Environment;
    const functionId = samResourceId(resource, logicalId);
    functions.push({
      logicalId,
      functionId,
      functionName: typeof properties.FunctionName === 'string' ? properties.FunctionName : logicalId,
      fullPath: functionId,
      handler: String(properties.Handler),
      memory: properties.MemorySize,
      timeout: properties.Timeout,
      codeUri,
      variables: isPlainObject(environment) && isPlainObject(environment.Variables) ? environment.Variables : undefined,
      loggingConfig: isPlainObject(properties.LoggingConfig) ? properties.LoggingConfig : {},
    });
  }
  return functions;
}

/** `SamFunctionProvider.get`: by function id, logical id or function name. */
export function samFunction(template: CfnTemplate, name: string): SamFunction {
  const found = samFunctions(template).filter((fn) => [fn.functionId, fn.logicalId, fn.functionName].includes(name));
  const [first] = found.sort((a, b) => a.fullPath.toLowerCase().localeCompare(b.fullPath.toLowerCase()));
  if (!first) throw new Error(`sam local would not find a function called ${name}`);
  return first;
}

/**
 * `LocalLambdaRunner._make_env_vars`: every section of the file must be an object; `Parameters`
 * applies to every function, then the first non-empty section named by the function's logical id,
 * function id, function name or full path (only that one) overrides it.
 */
export function samOverrides(fn: SamFunction, envFile: SamEnvFile = {}): Record<string, unknown> {
  for (const section of Object.values(envFile)) {
    if (!isPlainObject(section))
      throw new Error(`Environment variables ${JSON.stringify(section)} in incorrect format`);
  }
  const overrides: Record<string, unknown> = { ...(envFile.Parameters as Record<string, unknown> | undefined) };
  const own = [fn.logicalId, fn.functionId, fn.functionName, fn.fullPath]
    .map((key) => envFile[key] as Record<string, unknown> | undefined)
    .find((section) => section !== undefined && Object.keys(section).length > 0);
  return { ...overrides, ...own };
}

/** `EnvironmentVariables._stringify_value`: objects, lists and null become "", booleans "true"/"false". */
function stringify(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'object') return '';
  if (value === true) return 'true';
  if (value === false) return 'false';
  return String(value);
}

/**
 * The environment of a SAM container (`EnvironmentVariables.resolve`): SAM's own AWS_* variables, then
 * each variable the template declares, valued by the env file, else the shell that runs `sam`, else the
 * template. A variable the template does not declare never reaches the function, whatever sets it.
 */
export function samEnvironment(
  fn: SamFunction,
  options: { envFile?: SamEnvFile; shell?: Readonly<Record<string, string>>; credentials?: SamAwsCredentials } = {},
): Record<string, string> {
  const credentials = options.credentials ?? {};
  const region = credentials.region ?? DEFAULT_AWS_CREDENTIALS.region;
  // `EnvironmentVariables._get_aws_variables`
  const env: Record<string, string> = {
    AWS_SAM_LOCAL: 'true',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: pythonStr(fn.memory),
    AWS_LAMBDA_FUNCTION_TIMEOUT: pythonStr(fn.timeout),
    AWS_LAMBDA_FUNCTION_HANDLER: fn.handler,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `aws/lambda/${fn.logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '$LATEST',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.key ?? DEFAULT_AWS_CREDENTIALS.key,
    AWS_SECRET_ACCESS_KEY: credentials.secret ?? DEFAULT_AWS_CREDENTIALS.secret,
    AWS_ACCOUNT_ID: '123456789012',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    ...(credentials.sessiontoken ? { AWS_SESSION_TOKEN: credentials.sessiontoken } : {}),
  };
  const { LogGroup: logGroup, LogFormat: logFormat, ApplicationLogLevel: level } = fn.loggingConfig;
  if (logGroup) env.AWS_LAMBDA_LOG_GROUP_NAME = stringify(logGroup);
  if (logFormat) {
    env.AWS_LAMBDA_LOG_FORMAT = stringify(logFormat);
    if (logFormat === 'JSON') env.AWS_LAMBDA_LOG_LEVEL = stringify(level ?? 'INFO');
  }

  const overrides = samOverrides(fn, options.envFile);
  const shell = options.shell ?? {};
  for (const [name, declared] of Object.entries(fn.variables ?? {})) {
    let value: unknown = declared;
    if (Object.hasOwn(shell, name)) value = shell[name];
    if (Object.hasOwn(overrides, name)) value = overrides[name];
    env[name] = stringify(value);
  }
  return env;
}

/** Python's `str()` of a template scalar, as SAM formats memory and timeout (`None` when absent). */
function pythonStr(value: unknown): string {
  return value === undefined || value === null ? 'None' : String(value);
}
