/** Owner of everything in single-user mode (AUTH=disabled). */
export const LOCAL_OWNER_ID = 'local';
