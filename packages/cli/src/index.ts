/**
 * Strict command lines for the deepface-ts apps: nothing typed can be silently misread.
 */
export { HelpRequested, UsageError } from './usage-error';
export { parseCommandLine, type CommandLineSpec, type OptionSpecs, type OptionValues, type ParsedCommandLine } from './parse-command-line';
export { choiceOption, numberListOption, numberOption, type NumberOptionRules, type NumberRules } from './values';
export { userCwd } from './user-cwd';
export { runMain, type RunMainIo } from './run-main';
