/** Prints rows as an aligned text table (the figures a chaos run produced). */
export function table(title: string, rows: readonly (readonly [string, string | number])[]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
  return [`${title}`, ...lines].join('\n');
}
