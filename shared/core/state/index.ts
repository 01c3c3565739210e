export * from './create.js';
export * from './encoding.js';
export * from './memory.js';
export * from './redis.js';
export * from './redis-connection.js';
export { RespClient, type RespClientOptions, type RespCommand } from './resp-client.js';
export {
  RedisReplyError,
  RespProtocolError,
  type RespReply,
  replyArray,
  replyInteger,
  replyText,
} from './resp-reader.js';
export * from './state-store.js';
