export {
  type Annotation,
  type AnnotationKind,
  type ChatEvent,
  type ConversationEvent,
  type ConversationEventKind,
  type NewConversationEvent,
  parseAnnotation,
  type ReplyErrorCode,
} from './contract.js';
export { type Locale, politeText } from './messages.js';
export { type ChatServiceOptions, createChatService } from './pipeline.js';
export { type ChatService, ConversationNotFoundError, type ReplyRequest } from './service.js';
