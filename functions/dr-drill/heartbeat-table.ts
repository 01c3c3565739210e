/**
 * A heartbeat table's name: opsfn creates and writes it in a production database, so only a table named as its own
 * (`opsfn_…`), never one of the application's that happens to have the same columns, and never a reserved word.
 */
export const HEARTBEAT_TABLE = /^opsfn_[a-z0-9_]{1,57}$/;
