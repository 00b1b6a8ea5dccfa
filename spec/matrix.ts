import type { VarValue } from './variables.js'

/** The cartesian product of a matrix, keys in document order. */
export function matrixCells(matrix: Record<string, readonly VarValue[]> | undefined): (Record<string, VarValue> | undefined)[] {
  if (!matrix || Object.keys(matrix).length === 0) return [undefined]
  let cells: Record<string, VarValue>[] = [{}]
  for (const [key, values] of Object.entries(matrix)) {
    cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [key]: v })))
  }
  return cells
}

/** A matrix cell's scenario id: `name[version=5,qos=1]`. */
export function cellId(baseId: string, cell: Record<string, VarValue> | undefined): string {
  if (!cell) return baseId
  return `${baseId}[${Object.entries(cell).map(([k, v]) => `${k}=${v}`).join(',')}]`
}
