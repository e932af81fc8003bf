/**
 * The effective configuration: built-in defaults, then `labos.jsonc`, then
 * the environment, then command-line flags, each overriding the one before.
 *
 * @module
 */
export {
  checkRegistryDefaults,
  CONFIG_FILE,
  type ConfigFile,
  type ConfigFileSchema,
  configFileSchema,
  type ConfigSource,
  type ConfigSources,
  DISPLAY_MODES,
  type DisplayMode,
  type DisplaySettings,
  type LabosConfig,
  loadConfig,
  type LoadConfigOptions,
  parseJsoncText,
  type PluginEntry,
  type PluginLimits,
  readConfigFile,
  type RegistryDefaults,
  registryDefaults,
} from "./_load.ts";
export {
  configDigest,
  isConfigTrusted,
  TRUST_FILE,
  trustConfigFile,
  type TrustedConfig,
  userConfigHome,
} from "./_trust.ts";
