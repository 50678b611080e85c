package intake

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxLineBytes caps one JSON Lines line, and one CSV record (all the
// physical lines of a quoted multi-line field together): 1 MiB.
const DefaultMaxLineBytes = 1 << 20

// lineReader reads a stream line by line without ever holding more than max
// bytes of one line. A longer line is skipped to its end and reported.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the line last returned, 1-based
	buf  []byte
	bom  bool // the first line is checked for a UTF-8 BOM
}

func newLineReader(r io.Reader, max int) *lineReader {
	if max <= 0 {
		max = DefaultMaxLineBytes
	}
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max, bom: true}
}

// next returns the next line without its line ending. The slice is valid
// until the next call. tooLong reports a line over the cap, whose content is
// dropped. At the end of the input next returns io.EOF.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if !tooLong {
			if len(lr.buf)+len(chunk) > lr.max+2 { // +2: the line ending is not counted
				tooLong = true
				lr.buf = lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			lr.line++
			return lr.finish(tooLong)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(lr.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			lr.line++
			return lr.finish(tooLong)
		default:
			return nil, false, err
		}
	}
}

func (lr *lineReader) finish(tooLong bool) ([]byte, bool, error) {
	b := lr.buf
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if lr.bom {
		lr.bom = false
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	}
	if !tooLong && len(b) > lr.max {
		return nil, true, nil
	}
	if tooLong {
		return nil, true, nil
	}
	return b, false, nil
}
