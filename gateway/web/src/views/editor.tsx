import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';

/** A problem as `POST /api/rules/validate` reports it (1-based line and column). */
export interface Problem {
  line?: number;
  column?: number;
  path: string;
  message: string;
}

/**
 * The YAML editor (CodeMirror 6): line numbers, undo, YAML highlighting, and the problems that
 * `check(text)` finds, marked in the text as you type (checked 400 ms after the last key).
 * The editor keeps its own text: `doc` replaces it only when `revision` changes. `readOnly`: shown
 * for reading, not checked (for roles that may not change rules).
 */
export function YamlEditor({ doc, revision, onChange, check, readOnly }: { doc: string; revision: number; onChange: (text: string) => void; check: (text: string) => Promise<Problem[]>; readOnly?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const change = useRef(onChange);
  const checker = useRef(check);
  change.current = onChange;
  checker.current = check;
  useEffect(() => {
    const lint = linter(
      async (v): Promise<Diagnostic[]> => {
        const problems = await checker.current(v.state.doc.toString());
        return problems.map((p) => {
          const n = Math.min(Math.max(1, p.line ?? 1), v.state.doc.lines);
          const line = v.state.doc.line(n);
          const from = Math.min(line.to, line.from + Math.max(0, (p.column ?? 1) - 1));
          return { from, to: Math.max(from, line.to), severity: 'error', message: `${p.path ? `${p.path}: ` : ''}${p.message}` };
        });
      },
      { delay: 400 },
    );
    view.current = new EditorView({
      parent: box.current!,
      state: EditorState.create({
        doc,
        extensions: [
          lineNumbers(),
          history(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          yaml(),
          ...(readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : [lintGutter(), lint]),
          EditorView.lineWrapping,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) change.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.current?.destroy();
  }, []);
  // A new document from outside (the file loaded again, a revert, a rollback: a new `revision`)
  // replaces the text. The text typed here comes back as `doc` too, a render late: applying
  // that would undo the keys typed meanwhile.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== doc) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: doc } });
  }, [revision]);
  return <div class="editor" ref={box} data-testid="editor" />;
}
