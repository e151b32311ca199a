export { loadConfig, describeConfig, ConfigError, type ResolvedConfig } from './config/load.js';
export { ConfigSchema, configKeys, settingMeta, type ConfigKey } from './config/schema.js';
export { errorCatalogue, AppError, type ErrorCode } from './errors/catalogue.js';
export { startServer, type RunningServer } from './server.js';
export { buildApp } from './http/app.js';
export { createPlatform, type Platform } from './platform.js';
export { configTable, errorTable } from './config/docs.js';
export { runDoctor, type DoctorOptions } from './doctor/run-doctor.js';
export type { DoctorReport, DoctorCheck, DoctorProblem, ProblemCode } from './doctor/doctor-report.js';
