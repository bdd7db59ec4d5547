import { useRef } from 'preact/hooks';
import { Link } from '../router.tsx';
import type { Heat } from './palette.ts';

export interface MatrixTechnique {
  attackId: string;
  name: string;
  subtechniques: { attackId: string; name: string }[];
}

export interface MatrixTactic {
  attackId: string;
  shortname: string;
  name: string;
  techniques: MatrixTechnique[];
}

/** What the overlay says about one cell: its colour and the words that describe it. */
export interface CellMark {
  heat?: Heat;
  /** A parent not used itself whose sub-techniques are: outlined, not filled. */
  subOnly?: boolean;
  text: string;
}

export interface MatrixProps {
  tactics: MatrixTactic[];
  mark(attackId: string): CellMark | undefined;
  isExpanded(attackId: string): boolean;
  /** The URL of this view with the technique's sub-techniques shown or hidden. */
  toggleHref(attackId: string): string;
  onToggle(attackId: string): void;
  /** Show only marked techniques (a group's own small matrix). */
  onlyMarked?: boolean;
  label: string;
}

/**
 * The matrix as columns of links. Keyboard: one Tab stop; arrow keys move between cells (left and
 * right to the neighbouring tactic), Enter opens the technique, Space shows or hides its
 * sub-techniques. Every cell's accessible name says what its colour says.
 */
export function Matrix({ tactics, mark, isExpanded, toggleHref, onToggle, onlyMarked, label }: MatrixProps) {
  const root = useRef<HTMLFieldSetElement>(null);
  const columns = tactics.map((tactic) => ({
    tactic,
    techniques: onlyMarked
      ? tactic.techniques.filter((t) => mark(t.attackId) || t.subtechniques.some((s) => mark(s.attackId)))
      : tactic.techniques,
  }));

  const focusCell = (col: number, row: number) => {
    const cells = root.current?.querySelectorAll<HTMLAnchorElement>(`a[data-col="${col}"]`);
    if (!cells || cells.length === 0) return;
    const cell = cells[Math.min(row, cells.length - 1)];
    if (!cell) return;
    for (const other of root.current?.querySelectorAll<HTMLAnchorElement>('a[data-col]') ?? [])
      other.tabIndex = -1;
    cell.tabIndex = 0;
    cell.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const cell = event.target instanceof HTMLAnchorElement ? event.target : null;
    if (!cell?.dataset.col) return;
    const col = Number(cell.dataset.col);
    const row = Number(cell.dataset.row);
    const moves: Record<string, [number, number]> = {
      ArrowUp: [col, Math.max(0, row - 1)],
      ArrowDown: [col, row + 1],
      ArrowLeft: [Math.max(0, col - 1), row],
      ArrowRight: [Math.min(columns.length - 1, col + 1), row],
      Home: [col, 0],
      End: [col, Number.MAX_SAFE_INTEGER],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      focusCell(...move);
    } else if (event.key === ' ' && cell.dataset.parent) {
      event.preventDefault();
      onToggle(cell.dataset.parent);
      requestAnimationFrame(() => focusCell(col, row));
    }
  };

  return (
    <fieldset class="matrix" ref={root} aria-label={label} onKeyDown={onKeyDown}>
      <p class="visually-hidden">
        Arrow keys move between techniques, Enter opens one, Space shows or hides its sub-techniques.
      </p>
      {columns.map(({ tactic, techniques }, col) => {
        let row = 0;
        return (
          <section class="tactic" key={tactic.attackId} aria-labelledby={`tactic-${tactic.shortname}`}>
            <h3 id={`tactic-${tactic.shortname}`}>
              {tactic.name}
              <span class="count">{techniques.length} techniques</span>
            </h3>
            <ul>
              {techniques.map((technique) => {
                const open = isExpanded(technique.attackId);
                const subs = onlyMarked
                  ? technique.subtechniques.filter((s) => mark(s.attackId))
                  : technique.subtechniques;
                return (
                  <li key={technique.attackId}>
                    <div class="technique-row">
                      <Cell
                        attackId={technique.attackId}
                        name={technique.name}
                        mark={mark(technique.attackId)}
                        col={col}
                        row={row++}
                        parent={subs.length > 0 ? technique.attackId : undefined}
                      />
                      {subs.length > 0 && (
                        <a
                          class="expand"
                          href={toggleHref(technique.attackId)}
                          tabIndex={-1}
                          aria-expanded={open}
                          aria-label={`${open ? 'Hide' : 'Show'} the ${subs.length} sub-techniques of ${technique.attackId}`}
                          onClick={(event) => {
                            event.preventDefault();
                            onToggle(technique.attackId);
                          }}
                        >
                          {open ? '−' : '+'}
                          {subs.length}
                        </a>
                      )}
                    </div>
                    {open && subs.length > 0 && (
                      <ul class="subtechniques">
                        {subs.map((sub) => (
                          <li key={sub.attackId}>
                            <Cell
                              attackId={sub.attackId}
                              name={sub.name}
                              mark={mark(sub.attackId)}
                              col={col}
                              row={row++}
                            />
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </fieldset>
  );
}

interface CellProps {
  attackId: string;
  name: string;
  mark: CellMark | undefined;
  col: number;
  row: number;
  parent?: string | undefined;
}

function Cell({ attackId, name, mark, col, row, parent }: CellProps) {
  const style = mark?.heat ? { background: mark.heat.background, color: mark.heat.color } : undefined;
  const description = `${attackId} ${name}${mark ? `: ${mark.text}` : ''}`;
  return (
    <Link
      href={`/techniques/${attackId}`}
      class={`cell${mark?.heat ? ' marked' : ''}${mark?.subOnly ? ' sub-only' : ''}`}
      style={style}
      data-col={String(col)}
      data-row={String(row)}
      data-parent={parent}
      tabIndex={col === 0 && row === 0 ? 0 : -1}
      aria-label={description}
      title={description}
    >
      <span class="id">{attackId}</span> {name}
    </Link>
  );
}
