/**
 * JSONata's parsed form as `jsonata(text).ast()` returns it (jsonata 2.2), typed loosely: the
 * checker reads only the properties named here and refuses node types it does not know.
 */
import jsonata from 'jsonata';

export interface ExprNode {
  type: string;
  value?: unknown;
  /** Character offset just after the node's token. */
  position?: number;
  steps?: ExprNode[];
  stages?: ExprNode[];
  predicate?: ExprNode[];
  expr?: ExprNode;
  arguments?: ExprNode[];
  procedure?: ExprNode;
  body?: ExprNode;
  expressions?: ExprNode[];
  expression?: ExprNode;
  lhs?: ExprNode | Array<[ExprNode, ExprNode]>;
  rhs?: ExprNode;
  condition?: ExprNode;
  then?: ExprNode;
  else?: ExprNode;
  terms?: Array<{ descending: boolean; expression: ExprNode }>;
  group?: { lhs: Array<[ExprNode, ExprNode]> };
  /** `step@$x`: binds $x to each item. */
  focus?: string;
  /** A lambda JSONata made around a tail call: run where it stands. */
  thunk?: boolean;
  /** `step#$i`: binds $i to the position. */
  index?: string;
}

export type Parsed = { ok: true; ast: ExprNode } | { ok: false; message: string; position?: number };

/** Parses without evaluating; a syntax error comes back with JSONata's message and position. */
export function parseExpression(text: string): Parsed {
  try {
    return { ok: true, ast: jsonata(text).ast() as ExprNode };
  } catch (error) {
    const e = error as { message?: string; position?: number };
    const result: Parsed = { ok: false, message: e.message ?? String(error) };
    if (typeof e.position === 'number') result.position = e.position;
    return result;
  }
}
