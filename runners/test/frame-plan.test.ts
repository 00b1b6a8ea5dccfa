import { describe, expect, it } from 'vitest'
import { splitFrames } from '../adapters/frame-plan.js'

const bytes = Buffer.from('00010203040506', 'hex')
const hex = (frames: Buffer[]) => frames.map((f) => f.toString('hex'))

describe('splitFrames (send frames: ...)', () => {
  it('one frame without a split', () => {
    expect(hex(splitFrames(bytes, undefined))).toEqual(['00010203040506'])
  })

  it('a count cuts frames of near-equal size, never an empty one', () => {
    expect(hex(splitFrames(bytes, 3))).toEqual(['0001', '0203', '040506'])
    expect(hex(splitFrames(bytes, 7))).toEqual(['00', '01', '02', '03', '04', '05', '06'])
    expect(hex(splitFrames(bytes, 20))).toHaveLength(7)
  })

  it('sizes cut the leading frames; the rest goes in one more', () => {
    expect(hex(splitFrames(bytes, [1, 3]))).toEqual(['00', '010203', '040506'])
    expect(hex(splitFrames(bytes, [2, 5]))).toEqual(['0001', '0203040506'])
    expect(hex(splitFrames(bytes, [4, 10]))).toEqual(['00010203', '040506'])
  })
})
