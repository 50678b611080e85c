package reports

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"

	"github.com/klauspost/compress/flate"

	"github.com/xuri/excelize/v2"
)

// The tables are not written through excelize's StreamWriter: it keeps a
// buffer of up to 32 MB per sheet part until the file is written, so memory
// grew with every part. Instead excelize creates each part as an empty
// sheet (so workbook.xml, its relationships, the content types and the
// defined names are excelize's), and the part's XML is built here row by
// row and compressed by a goroutine of its own into a temporary file (a
// spill). When excelize writes the package through partZip, each spilled
// part is copied into the zip as it is, already compressed, in place of
// excelize's empty copy.
//
// So several tables can be written at once from one pass over the store
// (orders, cancellations and order lines come from one query), each part is
// compressed on its own core while the rows are read, and memory holds a
// few buffers per open part, whatever the number of rows. Rows and cells
// are as excelize's StreamWriter writes them (TestCellXMLMatchesExcelize),
// except that cells carry no reference (their position is their column).

// partZip is the workbook's zip writer: excelize writes the package through
// it (SetZipWriter), and the spilled parts and the replaced parts take the
// place of excelize's copies.
type partZip struct {
	zw      *zip.Writer
	spills  map[string]*spill // zip path → the part's compressed XML
	replace map[string][]byte // zip path → the part's XML (charts)
}

var _ excelize.ZipWriter = (*partZip)(nil)

func newPartZip(w io.Writer) *partZip {
	zw := zip.NewWriter(w)
	// BestSpeed is three times faster than the default level for a file
	// about a third larger.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return &partZip{zw: zw, spills: map[string]*spill{}, replace: map[string][]byte{}}
}

// Create is excelize's: a spilled part is copied in raw and a replaced one
// written instead; excelize's copy of either goes nowhere.
func (z *partZip) Create(name string) (io.Writer, error) {
	if sp := z.spills[name]; sp != nil {
		if err := sp.copyTo(z.zw, name); err != nil {
			return nil, err
		}
		return io.Discard, nil
	}
	if x, ok := z.replace[name]; ok {
		w, err := z.zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(x); err != nil {
			return nil, err
		}
		return io.Discard, nil
	}
	return z.zw.Create(name)
}

func (z *partZip) AddFS(fsys fs.FS) error { return z.zw.AddFS(fsys) }
func (z *partZip) Close() error           { return z.zw.Close() }

// cleanup ends every spill's goroutine and removes its file.
func (z *partZip) cleanup() {
	for _, sp := range z.spills {
		sp.abort()
	}
}

// spillBufSize is the size of the XML chunks handed to a spill's
// compressor; spillBufs of them circulate per spill.
const (
	spillBufSize = 64 << 10
	spillBufs    = 4
)

// spill is one sheet part being compressed into a temporary file by its own
// goroutine, which exits when the part is finished or aborted.
type spill struct {
	file *os.File
	work chan []byte // filled buffers, to compress
	free chan []byte // emptied buffers, to fill
	done chan error  // the goroutine's result, once

	err        error // the goroutine's result, after finish
	finished   bool
	crc        uint32
	size, comp uint64 // uncompressed and compressed bytes
}

// newSpill starts the compressor of a part in a temporary file in dir.
func newSpill(dir string) (*spill, error) {
	f, err := os.CreateTemp(dir, ".settle-sheet-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file for a sheet: %w", err)
	}
	sp := &spill{file: f, work: make(chan []byte, spillBufs), free: make(chan []byte, spillBufs), done: make(chan error, 1)}
	for range spillBufs {
		sp.free <- make([]byte, 0, spillBufSize+16<<10)
	}
	go sp.compress()
	return sp, nil
}

// compress deflates every buffer that comes into the file, counting the
// CRC and sizes the zip header needs; it returns when work is closed.
func (sp *spill) compress() {
	cw := &countWriter{w: bufio.NewWriterSize(sp.file, 256<<10)}
	fw, err := flate.NewWriter(cw, flate.BestSpeed)
	for b := range sp.work {
		if err == nil {
			sp.crc = crc32.Update(sp.crc, crc32.IEEETable, b)
			sp.size += uint64(len(b))
			_, err = fw.Write(b)
		}
		sp.free <- b[:0]
	}
	if err == nil {
		err = fw.Close()
	}
	if err == nil {
		err = cw.w.(*bufio.Writer).Flush()
	}
	sp.comp = cw.n
	sp.done <- err
}

// buffer returns an empty buffer to append XML to.
func (sp *spill) buffer() []byte { return <-sp.free }

// send hands a filled buffer to the compressor.
func (sp *spill) send(b []byte) {
	if len(b) > 0 {
		sp.work <- b
		return
	}
	sp.free <- b
}

// finish waits for the compressor to write the last buffer.
func (sp *spill) finish() error {
	if !sp.finished {
		sp.finished = true
		close(sp.work)
		sp.err = <-sp.done
	}
	return sp.err
}

// abort stops the compressor and removes the file.
func (sp *spill) abort() {
	_ = sp.finish()
	sp.file.Close()
	os.Remove(sp.file.Name())
}

// copyTo writes the part into zw as an entry already deflated.
func (sp *spill) copyTo(zw *zip.Writer, name string) error {
	if err := sp.finish(); err != nil {
		return fmt.Errorf("compress %s: %w", name, err)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: sp.crc,
		CompressedSize64: sp.comp, UncompressedSize64: sp.size})
	if err != nil {
		return err
	}
	if _, err := sp.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	n, err := io.Copy(w, bufio.NewReaderSize(sp.file, 256<<10))
	if err == nil && uint64(n) != sp.comp {
		err = errors.New("temporary file changed size")
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", name, err)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n uint64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}
