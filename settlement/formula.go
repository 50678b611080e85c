package settlement

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// The formula language of PortOne's calculator (계산관리,
// portone-platform.md §6.2): variables, decimal literals, + − × and
// parentheses, and nothing else. There is no division, no function and no
// loop, so a formula always terminates, its value is exact (decimal
// products of decimals are exact), and only the final result is rounded,
// once, with the formula's rounding mode. The parser is recursive descent
// over a bounded input (MaxFormulaBytes, MaxFormulaDepth), so no formula
// can exhaust the stack or the memory.
//
//	expr    = term { ("+" | "-") term }
//	term    = unary { "*" unary }
//	unary   = "-" unary | primary
//	primary = NUMBER | NAME | "(" expr ")"
//
// NUMBER is digits with an optional fraction ("0.032", "10"); NAME is a
// letter or underscore followed by letters, digits and underscores. The
// typographic minus "−" and times "×" of the help center's examples are
// read as "-" and "*".

// Limits of one formula.
const (
	// MaxFormulaBytes bounds a formula's source.
	MaxFormulaBytes = 2000
	// MaxFormulaDepth bounds the nesting of parentheses and unary minus.
	MaxFormulaDepth = 32
	// maxLiteralDigits bounds the digits of one number literal.
	maxLiteralDigits = 30
)

// FormulaError is a formula that does not parse or names what it may not:
// the formula's key, the 1-based column (in characters) of the problem and
// what is wrong there.
type FormulaError struct {
	Formula string
	Column  int
	Msg     string
}

func (e *FormulaError) Error() string {
	return fmt.Sprintf("formula %s, column %d: %s", e.Formula, e.Column, e.Msg)
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokNum
	tokName
	tokPlus
	tokMinus
	tokStar
	tokLParen
	tokRParen
)

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "the end of the formula"
	case tokNum:
		return "a number"
	case tokName:
		return "a name"
	case tokPlus:
		return `"+"`
	case tokMinus:
		return `"-"`
	case tokStar:
		return `"*"`
	case tokLParen:
		return `"("`
	}
	return `")"`
}

type token struct {
	kind tokKind
	text string
	col  int // 1-based, in characters
}

// lex splits src into tokens.
func lex(key, src string) ([]token, *FormulaError) {
	var toks []token
	col := 0
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		col++
		start, startCol := i, col
		switch {
		case r == utf8.RuneError && size <= 1:
			return nil, &FormulaError{key, col, "not valid UTF-8"}
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			i += size
		case r == '+':
			toks = append(toks, token{tokPlus, "+", col})
			i += size
		case r == '-' || r == '−':
			toks = append(toks, token{tokMinus, "-", col})
			i += size
		case r == '*' || r == '×':
			toks = append(toks, token{tokStar, "*", col})
			i += size
		case r == '(':
			toks = append(toks, token{tokLParen, "(", col})
			i += size
		case r == ')':
			toks = append(toks, token{tokRParen, ")", col})
			i += size
		case r >= '0' && r <= '9' || r == '.':
			dot, digits := false, 0
			for i < len(src) && (src[i] >= '0' && src[i] <= '9' || src[i] == '.') {
				if src[i] == '.' {
					if dot {
						return nil, &FormulaError{key, col, "a number has at most one decimal point"}
					}
					dot = true
				} else {
					digits++
				}
				i++
				col++
			}
			col--
			text := src[start:i]
			switch {
			case digits == 0 || text[0] == '.' || text[len(text)-1] == '.':
				return nil, &FormulaError{key, startCol, fmt.Sprintf("%q is not a number: write digits on both sides of the point, as 0.5", text)}
			case digits > maxLiteralDigits:
				return nil, &FormulaError{key, startCol, fmt.Sprintf("a number has at most %d digits", maxLiteralDigits)}
			}
			toks = append(toks, token{tokNum, text, startCol})
		case isNameStart(r):
			for i < len(src) && isNamePart(rune(src[i])) {
				i++
				col++
			}
			col--
			toks = append(toks, token{tokName, src[start:i], startCol})
		case r == '/' || r == '÷':
			return nil, &FormulaError{key, col, "division is not part of PortOne's formulas (only + - * and parentheses); multiply by a rate such as 0.1 instead"}
		default:
			return nil, &FormulaError{key, col, fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(toks, token{tokEOF, "", col + 1}), nil
}

func isNameStart(r rune) bool {
	return r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
}

func isNamePart(r rune) bool { return isNameStart(r) || r >= '0' && r <= '9' }

// ValidName reports whether s can name a parameter or a user-defined
// formula: a formula NAME of at most 64 characters.
func ValidName(s string) bool {
	if s == "" || len(s) > 64 || !isNameStart(rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNamePart(rune(s[i])) {
			return false
		}
	}
	return true
}

// node is the parsed form of a formula.
type node struct {
	op    tokKind // tokNum, tokName, tokPlus, tokMinus (binary, or unary with r nil), tokStar
	text  string  // tokNum, tokName
	col   int
	l, r  *node
	value decimal.Decimal // tokNum
}

type parser struct {
	key   string
	toks  []token
	pos   int
	depth int
}

// parseFormula parses src into a tree. key names the formula in errors.
func parseFormula(key, src string) (*node, *FormulaError) {
	if len(src) > MaxFormulaBytes {
		return nil, &FormulaError{key, 1, fmt.Sprintf("at most %d bytes, got %d", MaxFormulaBytes, len(src))}
	}
	toks, err := lex(key, src)
	if err != nil {
		return nil, err
	}
	p := &parser{key: key, toks: toks}
	if p.peek().kind == tokEOF {
		return nil, &FormulaError{key, 1, "empty formula"}
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokRParen {
			return nil, &FormulaError{key, t.col, `")" without a matching "("`}
		}
		return nil, &FormulaError{key, t.col, fmt.Sprintf("expected an operator (+ - *) before %s %q", t.kind, t.text)}
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) expr() (*node, *FormulaError) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tokPlus && t.kind != tokMinus {
			return l, nil
		}
		p.next()
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		l = &node{op: t.kind, col: t.col, l: l, r: r}
	}
}

func (p *parser) term() (*node, *FormulaError) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokStar {
		t := p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &node{op: tokStar, col: t.col, l: l, r: r}
	}
	return l, nil
}

func (p *parser) unary() (*node, *FormulaError) {
	t := p.peek()
	if t.kind != tokMinus {
		return p.primary()
	}
	if p.depth++; p.depth > MaxFormulaDepth {
		return nil, &FormulaError{p.key, t.col, fmt.Sprintf("nested more than %d deep", MaxFormulaDepth)}
	}
	defer func() { p.depth-- }()
	p.next()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &node{op: tokMinus, col: t.col, l: x}, nil
}

func (p *parser) primary() (*node, *FormulaError) {
	t := p.next()
	switch t.kind {
	case tokNum:
		v, err := decimal.NewFromString(t.text)
		if err != nil {
			return nil, &FormulaError{p.key, t.col, fmt.Sprintf("%q is not a number", t.text)}
		}
		return &node{op: tokNum, text: t.text, col: t.col, value: v}, nil
	case tokName:
		return &node{op: tokName, text: t.text, col: t.col}, nil
	case tokLParen:
		if p.depth++; p.depth > MaxFormulaDepth {
			return nil, &FormulaError{p.key, t.col, fmt.Sprintf("nested more than %d deep", MaxFormulaDepth)}
		}
		x, err := p.expr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, &FormulaError{p.key, c.col, fmt.Sprintf(`expected ")" to close the "(" of column %d, got %s`, t.col, c.kind)}
		}
		return x, nil
	case tokEOF:
		return nil, &FormulaError{p.key, t.col, "the formula ends where a value was expected"}
	}
	return nil, &FormulaError{p.key, t.col, fmt.Sprintf("expected a number, a name or \"(\", got %s", t.kind)}
}

// String renders n canonically: single spaces around binary operators and
// only the parentheses the precedence needs. Two formulas that parse to the
// same tree render the same.
func (n *node) String() string {
	var b strings.Builder
	n.render(&b, 0)
	return b.String()
}

// render writes n; prec is the precedence of the context (0 top or inside
// parentheses, 1 a sum's right operand, 2 a product's operand).
func (n *node) render(b *strings.Builder, prec int) {
	switch n.op {
	case tokNum, tokName:
		b.WriteString(n.text)
	case tokMinus:
		if n.r == nil {
			b.WriteString("-")
			n.l.render(b, 3)
			return
		}
		fallthrough
	case tokPlus:
		if prec > 0 {
			b.WriteString("(")
		}
		n.l.render(b, 0)
		b.WriteString(" " + n.op.op() + " ")
		n.r.render(b, 1)
		if prec > 0 {
			b.WriteString(")")
		}
	case tokStar:
		if prec > 2 {
			b.WriteString("(")
		}
		n.l.render(b, 2)
		b.WriteString(" * ")
		n.r.render(b, 3)
		if prec > 2 {
			b.WriteString(")")
		}
	}
}

func (k tokKind) op() string {
	switch k {
	case tokPlus:
		return "+"
	case tokMinus:
		return "-"
	}
	return "*"
}

// names calls f for every NAME of n, left to right.
func (n *node) names(f func(*node) *FormulaError) *FormulaError {
	if n == nil {
		return nil
	}
	if n.op == tokName {
		return f(n)
	}
	if err := n.l.names(f); err != nil {
		return err
	}
	return n.r.names(f)
}

// instr is one step of a compiled formula, run on a stack of decimals.
type instr struct {
	op   tokKind // tokNum: push val; tokName: push env[slot]; tokPlus/tokMinus/tokStar: binary; tokLParen: negate
	slot int
	val  decimal.Decimal
}

// program is a compiled formula.
type program []instr

// compile turns n into a program; slot resolves a name (already checked).
func compile(n *node, slot func(string) int) program {
	var p program
	var walk func(*node)
	walk = func(n *node) {
		switch n.op {
		case tokNum:
			p = append(p, instr{op: tokNum, val: n.value})
		case tokName:
			p = append(p, instr{op: tokName, slot: slot(n.text)})
		case tokMinus:
			walk(n.l)
			if n.r == nil {
				p = append(p, instr{op: tokLParen})
				return
			}
			walk(n.r)
			p = append(p, instr{op: tokMinus})
		default:
			walk(n.l)
			walk(n.r)
			p = append(p, instr{op: n.op})
		}
	}
	walk(n)
	return p
}

// eval runs p over env. It cannot fail: there is no division and decimals
// do not overflow; the caller bounds the result when it makes it a Won.
func (p program) eval(env []decimal.Decimal, stack []decimal.Decimal) decimal.Decimal {
	stack = stack[:0]
	for _, in := range p {
		switch in.op {
		case tokNum:
			stack = append(stack, in.val)
		case tokName:
			stack = append(stack, env[in.slot])
		case tokLParen:
			stack[len(stack)-1] = stack[len(stack)-1].Neg()
		default:
			a, b := stack[len(stack)-2], stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch in.op {
			case tokPlus:
				stack[len(stack)-1] = a.Add(b)
			case tokMinus:
				stack[len(stack)-1] = a.Sub(b)
			default:
				stack[len(stack)-1] = a.Mul(b)
			}
		}
	}
	return stack[0]
}

// roundWon rounds d with mode to a Won; ok is false when it does not fit.
func roundWon(d decimal.Decimal, mode RoundMode) (Won, bool) {
	r := roundDecimal(d, mode)
	if r.LessThan(minWon) || r.GreaterThan(maxWon) {
		return 0, false
	}
	return Won(r.IntPart()), true
}
