import type { ConversationEvent, HandoffEventData } from '../../../orchestrator/chat/contract.js';
import type { DeskDetail } from './desk-api.js';

/** One line of the live part of a handed-off conversation, as the inbox shows it. */
export interface ThreadItem {
  /** The message's or note's id, or `handoff:<event id>` for a change of state. */
  key: string;
  kind: 'shopper' | 'operator' | 'agent' | 'note' | 'state';
  text: string;
  at: string;
  /** Who wrote an operator's message or a note. */
  operatorName?: string;
  /** For `state`: the handoff's new state. */
  handoff?: HandoffEventData;
}

/** What one conversation event changed. */
export interface ThreadChange {
  changed: boolean;
  handoff?: HandoffEventData;
  /** The shopper is typing. */
  shopperTyping?: boolean;
}

/**
 * The live part of a handed-off conversation: the messages and notes since the handoff (from the desk), kept up to
 * date by the conversation's events. Events are read from the first one: messages before the first `handoff`
 * event belong to the bot's transcript, shown apart, and are skipped; a message is known by its id, so replayed
 * events add nothing twice. Items are kept in time order.
 */
export class Thread {
  items: ThreadItem[] = [];
  /** The handoff's last known state. */
  handoff: HandoffEventData | undefined;
  #handedOff = false;
  /** The last event applied: one already applied is not applied again. */
  #after = 0;

  constructor(detail?: Pick<DeskDetail, 'messages' | 'notes'>) {
    for (const m of detail?.messages ?? []) {
      this.#add({
        key: m.id,
        kind: m.author,
        text: m.text,
        at: m.at,
        ...(m.operator ? { operatorName: m.operator.name } : {}),
      });
    }
    for (const n of detail?.notes ?? []) {
      this.#add({ key: n.id, kind: 'note', text: n.text, at: n.at, operatorName: n.operator.name });
    }
  }

  /** Adds the notes of a fresher detail that are not shown yet. */
  addNotes(notes: DeskDetail['notes']): boolean {
    let changed = false;
    for (const n of notes) {
      changed =
        this.#add({ key: n.id, kind: 'note', text: n.text, at: n.at, operatorName: n.operator.name }) ||
        changed;
    }
    return changed;
  }

  #add(item: ThreadItem): boolean {
    if (this.items.some((i) => i.key === item.key)) return false;
    // Insert after every item not later than it (stable for equal times).
    let at = this.items.length;
    while (at > 0 && (this.items[at - 1] as ThreadItem).at > item.at) at--;
    this.items = [...this.items.slice(0, at), item, ...this.items.slice(at)];
    return true;
  }

  /** Applies one event of the conversation. */
  apply(event: ConversationEvent): ThreadChange {
    if (event.id <= this.#after) return { changed: false };
    this.#after = event.id;
    switch (event.kind) {
      case 'handoff': {
        this.#handedOff = true;
        this.handoff = event.data;
        const last = this.items.findLast((i) => i.kind === 'state');
        // A queue position that moved updates the state's line rather than adding one.
        if (last?.handoff?.state === event.data.state) {
          last.handoff = event.data;
          this.items = [...this.items];
          return { changed: true, handoff: event.data };
        }
        this.#add({ key: `handoff:${event.id}`, kind: 'state', text: '', at: event.at, handoff: event.data });
        return { changed: true, handoff: event.data };
      }
      case 'message': {
        if (!this.#handedOff) return { changed: false };
        const d = event.data;
        const known = this.items.find((i) => i.key === d.messageId);
        if (known) {
          if (known.text === d.text) return { changed: false };
          known.text = d.text;
          this.items = [...this.items];
          return { changed: true };
        }
        if (d.role === 'agent' && (d.status !== 'answered' || !d.text)) return { changed: false };
        const added = this.#add({
          key: d.messageId,
          kind: d.role,
          text: d.text,
          at: event.at,
          ...(d.operator ? { operatorName: d.operator.name } : {}),
        });
        return { changed: added };
      }
      case 'typing':
        return event.data.role === 'shopper' ? { changed: false, shopperTyping: true } : { changed: false };
      default:
        return { changed: false };
    }
  }
}
