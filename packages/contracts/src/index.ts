export * from './errors.js';
export * from './health.js';
export * from './chat.js';
export * from './models.js';
export * from './agents.js';
export * from './conversations.js';
export * from './openai.js';
export * from './auth.js';
