import type { ComponentChildren } from 'preact';

export interface Reference {
  sourceName: string | null;
  description: string | null;
  url: string | null;
}

/**
 * The small Markdown of ATT&CK descriptions (paragraphs, bullet lists, links, bold, code) rendered as
 * elements, never as HTML, with `(Citation: Name)` turned into numbered references listed below.
 */
export function Description({ text, references }: { text: string; references: Reference[] }) {
  const cited: string[] = [];
  const number = (name: string) => {
    const at = cited.indexOf(name);
    if (at >= 0) return at + 1;
    cited.push(name);
    return cited.length;
  };
  const blocks = text.split(/\n\s*\n/).map((block, i) => {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length > 0 && lines.every((l) => /^\s*[*-] /.test(l))) {
      return (
        <ul key={i}>
          {lines.map((l, j) => (
            <li key={j}>{inline(l.replace(/^\s*[*-] /, ''), number)}</li>
          ))}
        </ul>
      );
    }
    return <p key={i}>{inline(block, number)}</p>;
  });
  const byName = new Map(references.map((r) => [r.sourceName ?? '', r]));
  return (
    <div class="description">
      {blocks}
      {cited.length > 0 && (
        <section aria-label="References">
          <h3>References</h3>
          <ol class="references">
            {cited.map((name, i) => {
              const ref = byName.get(name);
              return (
                <li key={name} id={`ref-${i + 1}`}>
                  {ref?.url ? (
                    <a href={ref.url} rel="noreferrer noopener" target="_blank">
                      {ref.description ?? name}
                    </a>
                  ) : (
                    (ref?.description ?? name)
                  )}
                </li>
              );
            })}
          </ol>
        </section>
      )}
    </div>
  );
}

const TOKEN =
  /\(Citation: ([^)]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|<code>(.*?)<\/code>|`([^`]+)`/g;

function inline(text: string, cite: (name: string) => number): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    last = at + m[0].length;
    const [, citation, linkText, href, bold, code, tick] = m;
    if (citation) {
      const n = cite(citation);
      out.push(
        <sup key={at}>
          <a href={`#ref-${n}`} aria-label={`Reference ${n}: ${citation}`}>
            [{n}]
          </a>
        </sup>,
      );
    } else if (linkText && href) {
      // attack.mitre.org links to other objects stay in the explorer.
      const local = /attack\.mitre\.org\/techniques\/(T\d+)(?:\/(\d+))?/.exec(href);
      const target = local ? `/techniques/${local[1]}${local[2] ? `.${local[2]}` : ''}` : href;
      out.push(
        <a key={at} href={target} {...(local ? {} : { rel: 'noreferrer noopener', target: '_blank' })}>
          {linkText}
        </a>,
      );
    } else if (bold) out.push(<strong key={at}>{bold}</strong>);
    else out.push(<code key={at}>{code ?? tick}</code>);
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
