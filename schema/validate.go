package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxProblems bounds the lines of one error; the rest are counted.
const maxProblems = 50

// problem is one failed assertion: where in the document (a JSON
// pointer, RFC 6901), which keyword, and where that keyword is in the
// schema files.
type problem struct {
	at      string
	keyword string
	schema  string
	msg     string
}

func (p problem) String() string {
	return fmt.Sprintf("%q: %s: %s (%s)", p.at, p.keyword, p.msg, p.schema)
}

// validationError lists every failed assertion, one a line.
type validationError struct {
	problems []problem
	more     int
}

func (e *validationError) Error() string {
	var b strings.Builder
	for i, p := range e.problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	if e.more > 0 {
		fmt.Fprintf(&b, "\nand %d more", e.more)
	}
	return b.String()
}

type checker struct {
	problems []problem
	more     int
}

func (c *checker) add(n *node, at, keyword, format string, a ...any) {
	if len(c.problems) >= maxProblems {
		c.more++
		return
	}
	c.problems = append(c.problems, problem{at: at, keyword: keyword, schema: strings.TrimSuffix(n.loc, "#"), msg: fmt.Sprintf(format, a...)})
}

// validate checks v, a value as encoding/json decodes it into an any,
// found at the JSON pointer at.
func (n *node) validate(c *checker, v any, at string) {
	if n.ref != nil {
		n.ref.validate(c, v, at)
		return
	}
	if len(n.types) > 0 && !typeMatches(n.types, v) {
		c.add(n, at, "type", "expected %s, got %s", strings.Join(n.types, " or "), jsonType(v))
		return
	}
	if n.enum != nil && !inEnum(n.enum, v) {
		want := make([]string, len(n.enum))
		for i, e := range n.enum {
			want[i] = show(e)
		}
		c.add(n, at, "enum", "%s is not one of %s", show(v), strings.Join(want, ", "))
	}
	if s, ok := v.(string); ok && n.format != "" && !formatMatches(n.format, s) {
		c.add(n, at, "format", "%s is not a valid %s", show(s), n.format)
	}
	switch v := v.(type) {
	case map[string]any:
		var missing []string
		for _, r := range n.required {
			if _, ok := v[r]; !ok {
				missing = append(missing, strconv.Quote(r))
			}
		}
		if missing != nil {
			c.add(n, at, "required", "missing %s", strings.Join(missing, ", "))
		}
		for _, p := range n.properties {
			if pv, ok := v[p.name]; ok {
				p.node.validate(c, pv, at+"/"+escape(p.name))
			}
		}
		if len(n.patternProps) > 0 {
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, pp := range n.patternProps {
				for _, k := range keys {
					if pp.re.MatchString(k) {
						pp.node.validate(c, v[k], at+"/"+escape(k))
					}
				}
			}
		}
	case []any:
		if n.minItems >= 0 && len(v) < n.minItems {
			c.add(n, at, "minItems", "%d items, want at least %d", len(v), n.minItems)
		}
		if n.items != nil {
			for i, e := range v {
				n.items.validate(c, e, at+"/"+strconv.Itoa(i))
			}
		}
	case string:
		if n.pattern != nil && !n.pattern.MatchString(v) {
			c.add(n, at, "pattern", "%s does not match %s", show(v), n.pattern)
		}
	case float64:
		if n.minimum != nil && ratOf(v).Cmp(n.minimum) < 0 {
			c.add(n, at, "minimum", "%s is less than %s", show(v), n.minimum.RatString())
		}
		if n.maximum != nil && ratOf(v).Cmp(n.maximum) > 0 {
			c.add(n, at, "maximum", "%s is more than %s", show(v), n.maximum.RatString())
		}
	}
	if len(n.oneOf) > 0 {
		var matched []string
		var why []string
		for i, alt := range n.oneOf {
			var sub checker
			alt.validate(&sub, v, at)
			if len(sub.problems) == 0 {
				matched = append(matched, strconv.Itoa(i))
			} else {
				why = append(why, fmt.Sprintf("%d: %s: %s", i, sub.problems[0].keyword, sub.problems[0].msg))
			}
		}
		switch {
		case len(matched) == 0:
			c.add(n, at, "oneOf", "matches none of the %d alternatives (%s)", len(n.oneOf), strings.Join(why, "; "))
		case len(matched) > 1:
			c.add(n, at, "oneOf", "matches alternatives %s, want exactly one", strings.Join(matched, " and "))
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeMatches(types []string, v any) bool {
	got := jsonType(v)
	for _, t := range types {
		if t == got {
			return true
		}
		// A number with no fraction is an integer, 1.0 and 2e3 included.
		if f, ok := v.(float64); ok && t == "integer" && f == math.Trunc(f) {
			return true
		}
	}
	return false
}

// ratOf is the exact value of the shortest decimal that reads back as f,
// the number the document wrote, give or take float64's precision.
func ratOf(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}

// inEnum compares v with the enum's values, which the compiler decoded
// with json.Number.
func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if equal(v, e) {
			return true
		}
	}
	return false
}

func equal(v, e any) bool {
	switch e := e.(type) {
	case json.Number:
		f, ok := v.(float64)
		if !ok {
			return false
		}
		r, ok := new(big.Rat).SetString(string(e))
		return ok && ratOf(f).Cmp(r) == 0
	case []any:
		a, ok := v.([]any)
		if !ok || len(a) != len(e) {
			return false
		}
		for i := range a {
			if !equal(a[i], e[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok || len(m) != len(e) {
			return false
		}
		for k, ev := range e {
			mv, ok := m[k]
			if !ok || !equal(mv, ev) {
				return false
			}
		}
		return true
	case string, bool, nil:
		return v == e
	}
	return false
}

// show writes a value for a message, long strings cut short.
func show(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 64 {
			return strconv.Quote(v[:64]) + "…"
		}
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return string(v)
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	}
	return jsonType(v)
}

func formatMatches(format, s string) bool {
	switch format {
	case "date-time":
		return isDateTime(s)
	case "uri":
		return isURI(s)
	}
	return true
}

// isDateTime reports whether s is an RFC 3339 date-time (section 5.6),
// leap seconds included, as JSON Schema's "date-time" format says.
func isDateTime(s string) bool {
	if len(s) < 20 { // yyyy-mm-ddThh:mm:ssZ
		return false
	}
	if s[10] != 'T' && s[10] != 't' {
		return false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return false
	}
	return isTime(s[11:])
}

// isTime reports whether s is an RFC 3339 full-time: hh:mm:ss, an
// optional fraction, then Z or an offset; second 60 only at 23:59 UTC.
func isTime(s string) bool {
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return false
	}
	inRange := func(s string, lo, hi int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= lo && n <= hi
	}
	h, ok1 := inRange(s[0:2], 0, 23)
	m, ok2 := inRange(s[3:5], 0, 59)
	sec, ok3 := inRange(s[6:8], 0, 60)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	s = s[8:]
	if s[0] == '.' {
		s = s[1:]
		digits := 0
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			digits++
			s = s[1:]
		}
		if digits == 0 {
			return false
		}
	}
	if s == "" {
		return false
	}
	if s[0] == 'z' || s[0] == 'Z' {
		if len(s) != 1 {
			return false
		}
	} else {
		if len(s) != 6 || s[3] != ':' {
			return false
		}
		var sign int
		switch s[0] {
		case '+':
			sign = -1
		case '-':
			sign = 1
		default:
			return false
		}
		zh, ok1 := inRange(s[1:3], 0, 23)
		zm, ok2 := inRange(s[4:6], 0, 59)
		if !ok1 || !ok2 {
			return false
		}
		hm := h*60 + m + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	if sec == 60 && (h != 23 || m != 59) {
		return false
	}
	return true
}

// isURI reports whether s is an absolute URI (RFC 3986) whose host, if
// it has a colon, is a bracketed IPv6 address.
func isURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if host := u.Hostname(); strings.IndexByte(host, ':') >= 0 {
		if strings.IndexByte(u.Host, '[') < 0 || strings.IndexByte(u.Host, ']') < 0 {
			return false
		}
		if net.ParseIP(host) == nil {
			return false
		}
	}
	return u.IsAbs()
}

var errEnv = errors.New("an Env entry is not NAME=value")

// envOK is image-spec's check of a config's Env entries, the expression
// ^[^=]+=.*$: a name before the first "=", and no line break after it.
func envOK(e string) bool {
	i := strings.IndexByte(e, '=')
	return i > 0 && strings.IndexByte(e[i+1:], '\n') < 0
}
