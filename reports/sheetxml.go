package reports

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// sheetPath is the zip path of the worksheet excelize created for sheet
// (NewSheet names it after the sheet id); an error if excelize does not hold
// it there, so a change in excelize cannot silently write a sheet twice.
func sheetPath(f *excelize.File, sheet string) (string, error) {
	for id, name := range f.GetSheetMap() {
		if name != sheet {
			continue
		}
		path := "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml"
		if _, ok := f.Sheet.Load(path); !ok {
			return "", fmt.Errorf("sheet %q: no part %s", sheet, path)
		}
		return path, nil
	}
	return "", fmt.Errorf("sheet %q not found", sheet)
}

// sheetStart is the worksheet element: the default and relationship name
// spaces are all these parts use.
const sheetStart = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"` +
	` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`

// appendSheetHead appends everything before the first row: the worksheet
// element, the page setup property (fit to page, so the print settings of
// appendSheetTail apply), the dimension (A1, as excelize's StreamWriter
// leaves it), the view with the header rows and the identity columns
// frozen, the column widths and the start of sheetData.
func appendSheetHead(b []byte, widths []float64, freezeCols int) []byte {
	b = append(b, sheetStart...)
	b = append(b, `<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>`...)
	b = append(b, `<dimension ref="A1"></dimension><sheetViews><sheetView workbookViewId="0">`...)
	b = appendPane(b, freezeCols, headerRows)
	b = append(b, `</sheetView></sheetViews>`...)
	if len(widths) > 0 {
		b = append(b, "<cols>"...)
		for i, w := range widths {
			b = append(b, `<col min="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" max="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" width="`...)
			b = strconv.AppendFloat(b, w, 'f', -1, 64)
			b = append(b, `" customWidth="1"/>`...)
		}
		b = append(b, "</cols>"...)
	}
	return append(b, "<sheetData>"...)
}

// appendPane appends the frozen pane of a view: cols columns and rows rows
// stay in place while the rest scrolls.
func appendPane(b []byte, cols, rows int) []byte {
	if cols == 0 && rows == 0 {
		return b
	}
	top := colName(cols+1) + strconv.Itoa(rows+1)
	pane := "bottomRight"
	switch {
	case cols == 0:
		pane = "bottomLeft"
	case rows == 0:
		pane = "topRight"
	}
	b = append(b, `<pane`...)
	if cols > 0 {
		b = append(b, ` xSplit="`...)
		b = strconv.AppendInt(b, int64(cols), 10)
		b = append(b, '"')
	}
	if rows > 0 {
		b = append(b, ` ySplit="`...)
		b = strconv.AppendInt(b, int64(rows), 10)
		b = append(b, '"')
	}
	b = append(b, ` topLeftCell="`...)
	b = append(b, top...)
	b = append(b, `" activePane="`...)
	b = append(b, pane...)
	b = append(b, `" state="frozen"/><selection pane="`...)
	b = append(b, pane...)
	b = append(b, `" activeCell="`...)
	b = append(b, top...)
	b = append(b, `" sqref="`...)
	b = append(b, top...)
	return append(b, `"/>`...)
}

// pageSetup is how a sheet prints: A4, landscape or portrait, every column
// on one page width (as many pages down as it takes), page numbers in the
// footer. The header rows repeat on every page through the sheet's
// _xlnm.Print_Titles defined name.
type pageSetup struct {
	landscape bool
	fitHeight int // pages down; 0 for as many as it takes
}

// appendSheetTail ends sheetData and the worksheet: the autofilter over
// the header and data rows (absolute, as excelize's AutoFilter writes it),
// the conditional formats, then the print settings.
func appendSheetTail(b []byte, lastCol, firstRow, lastRow int, cond []byte, ps pageSetup, footer string) []byte {
	b = append(b, `</sheetData>`...)
	if lastCol > 0 {
		b = append(b, `<autoFilter ref="$A$`...)
		b = strconv.AppendInt(b, int64(firstRow), 10)
		b = append(b, `:$`...)
		b = appendColName(b, lastCol)
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(lastRow), 10)
		b = append(b, `"></autoFilter>`...)
	}
	b = append(b, cond...)
	return append(appendPrint(b, ps, footer), `</worksheet>`...)
}

// appendPrint appends printOptions, pageMargins, pageSetup and headerFooter.
func appendPrint(b []byte, ps pageSetup, footer string) []byte {
	b = append(b, `<printOptions horizontalCentered="1"/>`...)
	b = append(b, `<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>`...)
	b = append(b, `<pageSetup paperSize="9" orientation="`...)
	if ps.landscape {
		b = append(b, "landscape"...)
	} else {
		b = append(b, "portrait"...)
	}
	b = append(b, `" fitToWidth="1" fitToHeight="`...)
	b = strconv.AppendInt(b, int64(ps.fitHeight), 10)
	b = append(b, `"/><headerFooter><oddFooter>`...)
	b = appendEscaped(b, footer, true)
	return append(b, `</oddFooter></headerFooter>`...)
}

// appendRowStart opens row r; height > 0 sets a custom height.
func appendRowStart(b []byte, r int, height float64) []byte {
	b = append(b, `<row r="`...)
	b = strconv.AppendInt(b, int64(r), 10)
	if height > 0 {
		b = append(b, `" ht="`...)
		b = strconv.AppendFloat(b, height, 'f', -1, 64)
		b = append(b, `" customHeight="1`...)
	}
	return append(b, `">`...)
}

func appendRowEnd(b []byte) []byte { return append(b, "</row>"...) }

// appendCellStart appends `<c s="style"` (without the closing >). Cells
// carry no reference: each row writes every cell of its columns, empty ones
// included, so a cell's column is its position (as the schema allows), and
// the XML is a third smaller than with references.
func appendCellStart(b []byte, style int) []byte {
	// A workbook has a few dozen styles: one or two digits written
	// directly (strconv.AppendInt here was 1.6 % of an export's CPU at
	// 100k orders, for a cell start in every cell).
	switch {
	case style == 0:
		return append(b, `<c`...)
	case style > 0 && style < 10:
		return append(b, '<', 'c', ' ', 's', '=', '"', byte('0'+style), '"')
	case style >= 10 && style < 100:
		return append(b, '<', 'c', ' ', 's', '=', '"', byte('0'+style/10), byte('0'+style%10), '"')
	}
	b = append(b, `<c s="`...)
	b = strconv.AppendInt(b, int64(style), 10)
	return append(b, '"')
}

// appendIntCell appends a number cell with an optional formula whose value
// is cached.
func appendIntCell(b []byte, style int, n int64, formula string) []byte {
	b = appendCellStart(b, style)
	b = append(b, '>')
	if formula != "" {
		b = append(b, "<f>"...)
		b = appendEscaped(b, formula, true)
		b = append(b, "</f>"...)
	}
	b = append(b, "<v>"...)
	if n >= 0 && n < 10 { // zero amounts are most of a detail row's cells
		b = append(b, byte('0'+n))
	} else {
		b = strconv.AppendInt(b, n, 10)
	}
	return append(b, "</v></c>"...)
}

// appendFloatCell appends a number cell as excelize writes a float64 (15
// significant digits); NaN and infinities, which no caller passes, become
// text as in excelize.
func appendFloatCell(b []byte, style int, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return appendTextCell(b, style, fmt.Sprint(x))
	}
	b = appendCellStart(b, style)
	b = append(b, "><v>"...)
	b = append(b, formatCellFloat(x)...)
	return append(b, "</v></c>"...)
}

// appendEmptyCell appends a cell with a style and no value.
func appendEmptyCell(b []byte, style int) []byte {
	b = appendCellStart(b, style)
	return append(b, "></c>"...)
}

// maxCellChars is Excel's limit of characters (UTF-16 units) in a cell.
const maxCellChars = 32767

// appendTextCell appends an inline string cell, as excelize's StreamWriter
// writes a string: cut to Excel's 32,767 characters, xml:space="preserve"
// when it starts or ends with white space, XML-escaped (line feeds kept)
// and with literal _xHHHH_ sequences escaped as _x005F_xHHHH_.
func appendTextCell(b []byte, style int, s string) []byte {
	b = appendCellStart(b, style)
	b = append(b, ` t="inlineStr"><is><t`...)
	if len(s) > maxCellChars { // cheap test first: a UTF-16 unit takes at least one byte
		s = truncateUTF16(s, maxCellChars)
	}
	if s != "" && (isSpaceByte(s[0]) || isSpaceByte(s[len(s)-1])) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	if strings.Contains(s, "_x") {
		var e []byte
		e = appendEscaped(e, s, false)
		b = append(b, bstrMarshal(string(e))...)
	} else {
		b = appendEscaped(b, s, false)
	}
	return append(b, "</t></is></c>"...)
}

func isSpaceByte(c byte) bool { return c == '\t' || c == '\n' || c == '\r' || c == ' ' }

func truncateUTF16(s string, max int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > max {
			return s[:i]
		}
	}
	return s
}

// appendEscaped appends s escaped as encoding/xml's EscapeText does (which
// excelize uses), except that a line feed stays a line feed in text when
// escapeNewline is false, as excelize writes cell text.
func appendEscaped(b []byte, s string, escapeNewline bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			if !escapeNewline {
				i += width
				continue
			}
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !isInCharacterRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			i += width
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

// isInCharacterRange is encoding/xml's: whether r may appear in XML 1.0.
func isInCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// bstrMarshal escapes literal _xHHHH_ sequences, which Excel would read as
// escaped characters, as _x005F_xHHHH_. It is excelize's (lib.go, BSD-3),
// for the rare text that contains "_x".
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

// The patterns of excelize's bstrMarshal.
var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// formatCellFloat is excelize's for automatic precision: the shortest 'f'
// form, cut to Excel's 15 significant digits.
func formatCellFloat(value float64) string {
	str := strconv.FormatFloat(value, 'f', -1, 64)
	if math.Abs(value) == math.MaxFloat64 {
		return str
	}
	const maxPrec = 15
	decimal := strings.IndexByte(str, '.')
	significant := 0
	for idx := range str {
		if str[idx] < '0' || str[idx] > '9' || significant == 0 && str[idx] == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			return strings.TrimSuffix(str[:idx], ".")
		}
		if decimal < 0 {
			decimal = len(str)
		}
		truncated := []byte(str[:decimal])
		for ; idx < len(truncated); idx++ {
			truncated[idx] = '0'
		}
		return string(truncated)
	}
	return str
}
