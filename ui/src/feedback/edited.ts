// Which fields of each row of a form changed between two snapshots: a field's message goes as
// soon as the field is edited, not only when it loses focus or the form is sent again.

/** A plain copy of the rows, to compare the next edit against. */
export function snapshot<Row extends object>(rows: Row[]): Row[] {
  return JSON.parse(JSON.stringify(rows)) as Row[]
}

/** For each row, the names of its fields that differ between `before` and `after`; none when
 *  rows were added or removed (their messages move with them). */
export function editedFields<Row extends object>(before: Row[], after: Row[]): Set<string>[] {
  if (before.length !== after.length) return after.map(() => new Set())
  return after.map((row, i) => {
    const was = before[i] as Record<string, unknown>
    const now = row as Record<string, unknown>
    const keys = new Set([...Object.keys(was), ...Object.keys(now)])
    return new Set([...keys].filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k])))
  })
}
