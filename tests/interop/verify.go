// Command verify is a second, independent verifier of htq's ledger
// contract (docs/ledger.md), written from the document with Go's own
// packages: checkpoints with golang.org/x/mod/sumdb/note (note.Open),
// the Merkle tree and proofs with golang.org/x/mod/sumdb/tlog, entries
// with encoding/json (decoded, duplicates refused, re-encoded in the
// canonical form and compared byte for byte), signatures with
// crypto/ed25519.  It shares no code with htq-verify; the regress tier
// runs both on every fixture and checks that they agree.
//
//	verify BASE_URL                     the whole ledger through the API
//	verify ledger FILE|- (--key KEY... | --policy FILE) [--checkpoint NOTE] [--origin O]
//	verify consistency OLD NEW --proof FILE (--key KEY... | --policy FILE) [--origin O]
//	verify bundle FILE (--key KEY... | --policy FILE) [--origin O]
//	verify tiles BASE_URL               the static C2SP tiles alone
//	verify mark BUNDLE (--key KEY... | --policy FILE) [--origin O]
//	       [--entries EXPORT|TILE-FOLDER|URL] [--bundle-checkpoint-is-latest]
//
// A policy with witnesses (docs/ledger.md 6.7) makes ledger, consistency
// (its NEW) and mark require a quorum of fresh cosignatures (C2SP cosignature/v1, parsed
// here from the note text) on the latest checkpoint.
//
// Exit status as htq-verify: 0 valid (a mark: genuine and not revoked as
// of the latest checkpoint), 1 invalid, 2 usage, 3 bundle of a revoked
// mark, 4 a mark whose award is proved but whose revocation was not
// checked.
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build verify.go
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Limits of docs/ledger.md section 1.4.
const (
	maxEntry   = 16 * 1024
	maxLine    = 4*maxEntry + 1024
	maxNote    = 4096
	maxDepth   = 16
	maxType    = 63
	maxActor   = 64
	maxSubject = 128
	context    = "htq-ledger-entry/v1\n"
)

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: "+f+"\n", a...)
	os.Exit(1)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: verify BASE_URL | ledger FILE --key K... | consistency OLD NEW --proof P --key K... | bundle FILE --key K... |\n"+
		"       mark BUNDLE (--key K... | --policy FILE) [--entries EXPORT|FOLDER|URL] [--bundle-checkpoint-is-latest] | tiles BASE_URL")
	os.Exit(2)
}

// --- keys ---

type vkey struct {
	name string
	kid  uint32
	pk   ed25519.PublicKey
}

func (k vkey) same(o vkey) bool { return k.name == o.name && k.kid == o.kid && bytes.Equal(k.pk, o.pk) }
func (k vkey) hex() string      { return fmt.Sprintf("%08x", k.kid) }

// parseKey accepts what note.NewVerifier accepts and keeps the parts.
func parseKey(s string) (vkey, error) {
	v, err := note.NewVerifier(s)
	if err != nil {
		return vkey{}, err
	}
	parts := strings.SplitN(s, "+", 3) // name and id have no '+'
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 {
		return vkey{}, fmt.Errorf("bad key")
	}
	return vkey{v.Name(), v.KeyHash(), ed25519.PublicKey(raw[1:])}, nil
}

func loadKeys(arg string) []vkey {
	if k, err := parseKey(arg); err == nil {
		return []vkey{k}
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "interop: %s: not a key nor a readable file\n", arg)
		os.Exit(2)
	}
	var out []vkey
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		k, err := parseKey(line)
		if err != nil {
			fmt.Fprintf(os.Stderr, "interop: %s: bad key %q\n", arg, line)
			os.Exit(2)
		}
		out = append(out, k)
	}
	return out
}

// keyList is a note.Verifiers that tries every key with the name and id
// asked for (4-byte ids may collide).
type keyList []vkey

type multi struct {
	name string
	id   uint32
	keys []vkey
}

func (m multi) Name() string    { return m.name }
func (m multi) KeyHash() uint32 { return m.id }
func (m multi) Verify(msg, sig []byte) bool {
	for _, k := range m.keys {
		if len(sig) == ed25519.SignatureSize && ed25519.Verify(k.pk, msg, sig) {
			return true
		}
	}
	return false
}

func (l keyList) Verifier(name string, hash uint32) (note.Verifier, error) {
	var m []vkey
	for _, k := range l {
		if k.name == name && k.kid == hash {
			m = append(m, k)
		}
	}
	if len(m) == 0 {
		return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
	}
	return multi{name, hash, m}, nil
}

// --- checkpoints ---

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func parseBody(text string) (checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return checkpoint{}, fmt.Errorf("not a checkpoint")
	}
	s := lines[1]
	if s == "" || (s[0] == '0' && len(s) > 1) || strings.TrimLeft(s, "0123456789") != "" {
		return checkpoint{}, fmt.Errorf("bad size")
	}
	size, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return checkpoint{}, err
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("bad root")
	}
	var h tlog.Hash
	copy(h[:], root)
	return checkpoint{lines[0], size, h}, nil
}

// openNote: keys nil checks only the form (note.Open then reports an
// unverified note, which is fine here).
func openNote(text []byte, keys []vkey, origin string) (checkpoint, error) {
	n, err := note.Open(text, keyList(keys))
	var unverified *note.UnverifiedNoteError
	if err != nil && !(keys == nil && errors.As(err, &unverified)) {
		return checkpoint{}, err
	}
	if n == nil {
		n = unverified.Note
	}
	cp, err := parseBody(n.Text)
	if err != nil {
		return cp, err
	}
	if cp.origin != origin {
		return cp, fmt.Errorf("origin %q, expected %q", cp.origin, origin)
	}
	return cp, nil
}

// --- entries: decode, check, re-encode, compare ---

type obj map[string]interface{}

// decode reads one JSON value with duplicates refused, integers kept
// exact and reals refused.
func decode(dec *json.Decoder, depth int) (interface{}, error) {
	if depth > maxDepth+1 {
		return nil, fmt.Errorf("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			o := obj{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				if _, dup := o[k]; dup {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				if o[k], err = decode(dec, depth+1); err != nil {
					return nil, err
				}
			}
			_, err := dec.Token()
			return o, err
		}
		if t == '[' {
			a := []interface{}{}
			for dec.More() {
				v, err := decode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		n, err := strconv.ParseInt(string(t), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer: %s", t)
		}
		return n, nil
	case string:
		if strings.IndexByte(t, 0) >= 0 {
			return nil, fmt.Errorf("NUL in a string")
		}
		return t, nil
	default:
		return t, nil // bool or nil
	}
}

func decodeAll(b []byte) (interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the value")
	}
	return v, nil
}

func encString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func encode(v interface{}) string {
	switch t := v.(type) {
	case obj:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = encString(k) + ":" + encode(t[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []interface{}:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = encode(x)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case string:
		return encString(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		if t {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	}
	panic("unreachable")
}

type entry struct {
	seq                       int64
	time, typ, actor, subject string
	data                      obj
	prev                      tlog.Hash
	kid                       uint32
}

func validTime(s string) bool {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return false
	}
	num := func(a, b int) int {
		n := 0
		for _, c := range s[a:b] {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return false
	}
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo-1]
	if mo == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days++
	}
	return d <= days
}

func charset(s string, max int, ok func(c byte) bool) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func lowerHex(s string, n int) ([]byte, bool) {
	if len(s) != 2*n || strings.ToLower(s) != s {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

func parseEntry(b []byte) (*entry, error) {
	if len(b) > maxEntry {
		return nil, fmt.Errorf("longer than %d bytes", maxEntry)
	}
	v, err := decodeAll(b)
	if err != nil {
		return nil, err
	}
	o, ok := v.(obj)
	if !ok || len(o) != 9 {
		return nil, fmt.Errorf("not an object of 9 fields")
	}
	var e entry
	str := func(k string) string { s, _ := o[k].(string); return s }
	if ver, _ := o["v"].(int64); ver != 1 {
		return nil, fmt.Errorf("field v")
	}
	seq, ok := o["seq"].(int64)
	if !ok || seq < 0 {
		return nil, fmt.Errorf("field seq")
	}
	e.seq, e.time, e.typ, e.actor, e.subject = seq, str("time"), str("type"), str("actor"), str("subject")
	if !validTime(e.time) {
		return nil, fmt.Errorf("field time")
	}
	if !charset(e.typ, maxType, func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' }) || e.typ[0] < 'a' || e.typ[0] > 'z' {
		return nil, fmt.Errorf("field type")
	}
	if !charset(e.actor, maxActor, func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:@-", c) >= 0
	}) {
		return nil, fmt.Errorf("field actor")
	}
	if !charset(e.subject, maxSubject, func(c byte) bool { return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\' }) {
		return nil, fmt.Errorf("field subject")
	}
	if e.data, ok = o["data"].(obj); !ok {
		return nil, fmt.Errorf("field data")
	}
	p, ok := lowerHex(str("prev"), 32)
	if !ok {
		return nil, fmt.Errorf("field prev")
	}
	copy(e.prev[:], p)
	k, ok := lowerHex(str("kid"), 4)
	if !ok {
		return nil, fmt.Errorf("field kid")
	}
	e.kid = uint32(k[0])<<24 | uint32(k[1])<<16 | uint32(k[2])<<8 | uint32(k[3])
	canon := fmt.Sprintf(`{"v":1,"seq":%d,"time":%s,"type":%s,"actor":%s,"subject":%s,"data":%s,"prev":%s,"kid":%s}`,
		e.seq, encString(e.time), encString(e.typ), encString(e.actor), encString(e.subject),
		encode(e.data), encString(str("prev")), encString(str("kid")))
	if canon != string(b) {
		return nil, fmt.Errorf("not in canonical form")
	}
	return &e, nil
}

func verifyEntry(k vkey, b []byte, sig []byte) bool {
	return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.pk, append([]byte(context), b...), sig)
}

// --- the ledger ---

type ledger struct {
	trusted, chain []vkey
	origin         string
	leaves         []tlog.Hash
	prev           tlog.Hash
	extra          *checkpoint
	extraKey       int
	finalCp        checkpoint
	finalText      []byte
	// onEntry, when set, sees every entry once it is chained and signed
	onEntry func(seq int64, e *entry, leaf tlog.Hash) error
}

func (l *ledger) cur() vkey { return l.chain[len(l.chain)-1] }

func (l *ledger) rotate(e *entry) error {
	if len(e.data) != 2 {
		return fmt.Errorf("key.rotated: data is not {new_key, old_key}")
	}
	os, ok1 := e.data["old_key"].(string)
	ns, ok2 := e.data["new_key"].(string)
	if !ok1 || !ok2 {
		return fmt.Errorf("key.rotated: data is not {new_key, old_key}")
	}
	ok, err := parseKey(os)
	if err != nil || !ok.same(l.cur()) {
		return fmt.Errorf("key.rotated: old_key is not the current key")
	}
	nk, err := parseKey(ns)
	if err != nil || nk.name != l.cur().name {
		return fmt.Errorf("key.rotated: bad new_key")
	}
	for _, k := range l.chain {
		if bytes.Equal(k.pk, nk.pk) {
			return fmt.Errorf("key.rotated: new_key is not new")
		}
	}
	if len(l.trusted) > 1 && (len(l.chain) >= len(l.trusted) || !l.trusted[len(l.chain)].same(nk)) {
		return fmt.Errorf("key.rotated: new_key is not the next trusted key")
	}
	l.chain = append(l.chain, nk)
	return nil
}

func (l *ledger) add(seq int64, b []byte, sig []byte) error {
	if seq != int64(len(l.leaves)) {
		return fmt.Errorf("seq %d, expected %d", seq, len(l.leaves))
	}
	e, err := parseEntry(b)
	if err != nil {
		return err
	}
	if e.seq != seq || e.prev != l.prev || e.kid != l.cur().kid {
		return fmt.Errorf("seq, prev or kid wrong")
	}
	if !verifyEntry(l.cur(), b, sig) {
		return fmt.Errorf("signature does not verify")
	}
	l.prev = tlog.RecordHash(b)
	l.leaves = append(l.leaves, l.prev)
	if l.onEntry != nil {
		if err := l.onEntry(seq, e, l.prev); err != nil {
			return err
		}
	}
	if e.typ == "key.rotated" {
		if err := l.rotate(e); err != nil {
			return err
		}
	}
	if l.extra != nil && l.extra.size == int64(len(l.leaves)) {
		l.extraKey = len(l.chain) - 1
	}
	return nil
}

func (l *ledger) final(text []byte) error {
	cp, err := openNote(text, []vkey{l.cur()}, l.origin)
	if err != nil {
		return err
	}
	if cp.size != int64(len(l.leaves)) || cp.root != rootOf(l.leaves) {
		return fmt.Errorf("checkpoint does not match the entries")
	}
	l.finalCp, l.finalText = cp, append([]byte(nil), text...)
	if len(l.trusted) > 1 && len(l.chain) < len(l.trusted) {
		return fmt.Errorf("trusted key %s is never reached", l.trusted[len(l.chain)].hex())
	}
	return nil
}

// readExport reads a whole export, line by line in bounded buffers:
// every entry through l.add, the checkpoint line through l.final, and
// nothing after it.  Any failure ends the program (exit 1).
func (l *ledger) readExport(f io.Reader) {
	r := bufio.NewReaderSize(f, maxLine+1)
	done := false
	for n := 1; ; n++ {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			fail("line %d longer than %d bytes", n, maxLine)
		}
		if err != nil && err != io.EOF {
			fail("read error: %v", err)
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		if done {
			fail("data after the checkpoint line")
		}
		v, derr := decodeAll(bytes.TrimSuffix(line, []byte("\n")))
		o, ok := v.(obj)
		if derr != nil || !ok {
			fail("line %d is not a JSON object", n)
		}
		if c, has := o["checkpoint"]; has {
			s, ok := c.(string)
			if !ok || len(o) != 1 {
				fail("bad checkpoint line")
			}
			if err := l.final([]byte(s)); err != nil {
				fail("checkpoint: %v", err)
			}
			done = true
		} else {
			seq, ok1 := o["seq"].(int64)
			e, ok2 := o["entry"].(string)
			s, ok3 := o["sig"].(string)
			sig := b64sig(s)
			if !ok1 || !ok2 || !ok3 || len(o) != 3 || sig == nil {
				fail("line %d is not {seq, entry, sig}", n)
			}
			if err := l.add(seq, []byte(e), sig); err != nil {
				fail("entry %d: %v", seq, err)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if !done {
		fail("no checkpoint line")
	}
}

func b64sig(s string) []byte {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != ed25519.SignatureSize {
		return nil
	}
	return b
}

func cmdLedger(args []string) {
	var path, cpfile, origin string
	var keys []vkey
	policy := false
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--key" && i+1 < len(args) && !policy:
			i++
			keys = append(keys, loadKeys(args[i])...)
		case args[i] == "--policy" && i+1 < len(args) && len(keys) == 0 && origin == "":
			i++
			keys, origin = loadPolicy(args[i])
			policy = true
		case args[i] == "--checkpoint" && i+1 < len(args):
			i++
			cpfile = args[i]
		case args[i] == "--origin" && i+1 < len(args) && !policy:
			i++
			origin = args[i]
		case args[i] == "--jobs" && i+1 < len(args):
			i++
		case path == "" && (!strings.HasPrefix(args[i], "-") || args[i] == "-"):
			path = args[i]
		default:
			usage()
		}
	}
	if path == "" || len(keys) == 0 {
		usage()
	}
	if origin == "" {
		origin = keys[0].name
	}
	l := &ledger{trusted: keys, chain: keys[:1:1], origin: origin}
	var saved []byte
	if cpfile != "" {
		b, err := os.ReadFile(cpfile)
		if err != nil || len(b) > maxNote {
			fail("checkpoint %s: unreadable or too large", cpfile)
		}
		cp, err := openNote(b, nil, origin)
		if err != nil {
			fail("checkpoint %s: %v", cpfile, err)
		}
		l.extra, saved = &cp, b
	}
	f := os.Stdin
	if path != "-" {
		var err error
		if f, err = os.Open(path); err != nil {
			fmt.Fprintf(os.Stderr, "interop: %v\n", err)
			os.Exit(2)
		}
	}
	l.readExport(f)
	if l.extra != nil {
		if l.extra.size > int64(len(l.leaves)) {
			fail("checkpoint %s is newer than the export", cpfile)
		}
		if l.extra.size == 0 {
			l.extraKey = 0
		}
		cp, err := openNote(saved, []vkey{l.chain[l.extraKey]}, origin)
		if err != nil || cp.root != rootOf(l.leaves[:cp.size]) {
			fail("checkpoint %s: %v", cpfile, err)
		}
	}
	when, why := trust.cosigned(l.finalText, time.Now().Unix())
	if why != "" {
		fail("checkpoint of %d entries: %s", len(l.leaves), why)
	}
	fmt.Printf("ledger valid: %d entries, key %s%s\n", len(l.leaves), l.cur().hex(), trust.words(when))
}

// --- bundles and consistency ---

func posArgs(args []string, npos int, proof *string) ([]string, []vkey, string) {
	var pos []string
	var keys []vkey
	origin := ""
	policy := false
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--key" && i+1 < len(args) && !policy:
			i++
			keys = append(keys, loadKeys(args[i])...)
		case args[i] == "--policy" && i+1 < len(args) && len(keys) == 0 && origin == "":
			i++
			keys, origin = loadPolicy(args[i])
			policy = true
		case args[i] == "--origin" && i+1 < len(args) && !policy:
			i++
			origin = args[i]
		case proof != nil && args[i] == "--proof" && i+1 < len(args):
			i++
			*proof = args[i]
		case len(pos) < npos && !strings.HasPrefix(args[i], "-"):
			pos = append(pos, args[i])
		default:
			usage()
		}
	}
	if len(pos) != npos || len(keys) == 0 || (proof != nil && *proof == "") {
		usage()
	}
	if origin == "" {
		origin = keys[0].name
	}
	return pos, keys, origin
}

func hashes(list []string) []tlog.Hash {
	var out []tlog.Hash
	for _, s := range list {
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			fail("bad hash %q", s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

type signed struct {
	Entry string   `json:"entry"`
	Sig   string   `json:"sig"`
	Index *int64   `json:"index"`
	Proof []string `json:"proof"`
}

func checkSigned(what string, s signed, keys []vkey, cp checkpoint) *entry {
	if s.Index == nil || s.Proof == nil {
		fail("%s: not {entry, sig, index, proof}", what)
	}
	e, err := parseEntry([]byte(s.Entry))
	if err != nil || e.seq != *s.Index {
		fail("%s: %v", what, err)
	}
	sig := b64sig(s.Sig)
	ok := false
	for _, k := range keys {
		if k.kid == e.kid && verifyEntry(k, []byte(s.Entry), sig) {
			ok = true
		}
	}
	if !ok {
		fail("%s %d: no given key with its id verifies it", what, e.seq)
	}
	if e.seq >= cp.size {
		fail("%s: index beyond the checkpoint", what)
	}
	if err := tlog.CheckRecord(tlog.RecordProof(hashes(s.Proof)), cp.size, cp.root, e.seq, tlog.RecordHash([]byte(s.Entry))); err != nil {
		fail("%s: %v", what, err)
	}
	return e
}

func cmdBundle(args []string) {
	pos, keys, origin := posArgs(args, 1, nil)
	b, err := os.ReadFile(pos[0])
	if err != nil {
		fail("%v", err)
	}
	if _, err := decodeAll(b); err != nil {
		fail("bundle: %v", err) // duplicates refused, as htq-verify does
	}
	var bundle struct {
		signed
		Checkpoint *string `json:"checkpoint"`
		Revocation *signed `json:"revocation"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil || bundle.Checkpoint == nil {
		fail("not a bundle")
	}
	cp, err := openNote([]byte(*bundle.Checkpoint), keys[len(keys)-1:], origin)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	e := checkSigned("entry", bundle.signed, keys, cp)
	if bundle.Revocation != nil {
		r := checkSigned("revocation", *bundle.Revocation, keys, cp)
		if r.typ != "mark.revoked" || r.subject != e.subject || r.seq <= e.seq {
			fail("revocation is not a later mark.revoked of %s", e.subject)
		}
		fmt.Printf("bundle valid: entry %d REVOKED by entry %d\n", e.seq, r.seq)
		os.Exit(3)
	}
	fmt.Printf("bundle valid: entry %d in %d entries\n", e.seq, cp.size)
}

func cmdConsistency(args []string) {
	var proof string
	pos, keys, origin := posArgs(args, 2, &proof)
	var cps [2]checkpoint
	var when int64
	for i := range cps {
		b, err := os.ReadFile(pos[i])
		if err != nil {
			fail("%v", err)
		}
		if cps[i], err = openNote(b, keys, origin); err != nil {
			fail("%s: %v", pos[i], err)
		}
		if i == 1 {
			var why string
			if when, why = trust.cosigned(b, time.Now().Unix()); why != "" {
				fail("%s: %s", pos[i], why)
			}
		}
	}
	b, err := os.ReadFile(proof)
	if err != nil {
		fail("%v", err)
	}
	var p struct {
		Old, New *int64
		Hashes   []string
	}
	if json.Unmarshal(b, &p) != nil || p.Old == nil || p.New == nil || p.Hashes == nil ||
		*p.Old != cps[0].size || *p.New != cps[1].size {
		fail("not a consistency proof for these sizes")
	}
	old, cur := cps[0], cps[1]
	switch {
	case old.size > cur.size:
		fail("rollback")
	case old.size == 0:
		if old.root != tlog.Hash(sha256.Sum256(nil)) || len(p.Hashes) != 0 ||
			(cur.size == 0 && cur.root != old.root) {
			fail("a tree of size 0 has root SHA-256(\"\")")
		}
	case old.size == cur.size:
		if old.root != cur.root || len(p.Hashes) != 0 {
			fail("different roots for the same size")
		}
	default:
		if err := tlog.CheckTree(tlog.TreeProof(hashes(p.Hashes)), cur.size, cur.root, old.size, old.root); err != nil {
			fail("tlog.CheckTree: %v", err)
		}
	}
	fmt.Printf("consistent: %d entries extend to %d%s\n", old.size, cur.size, trust.words(when))
}

// --- the API ---

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		fail("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// keysAndCheckpoint reads the verifier keys (one a line, oldest first)
// and the signed checkpoint, opened with note.Open against them.
func keysAndCheckpoint(keysURL, cpURL string) ([]vkey, []byte, checkpoint) {
	var keys []vkey
	for _, line := range strings.Split(strings.TrimSpace(string(get(keysURL))), "\n") {
		k, err := parseKey(line)
		if err != nil {
			fail("note.NewVerifier(%q): %v", line, err)
		}
		keys = append(keys, k)
	}
	text := get(cpURL)
	cp, err := openNote(text, keys, keys[0].name)
	if err != nil {
		fail("note.Open: %v", err)
	}
	return keys, text, cp
}

// cmdAPI checks every entry (canonical form, prev, kid, signature,
// rotations with /ledger/key as the whole trusted chain), the checkpoint,
// every inclusion proof and the consistency proof from every older size.
func cmdAPI(base string) {
	keys, text, cp := keysAndCheckpoint(base+"/ledger/key", base+"/ledger/checkpoint")
	if cp.size == 0 {
		fail("empty ledger")
	}
	l := &ledger{trusted: keys, chain: keys[:1:1], origin: keys[0].name}
	for start := int64(0); start < cp.size; {
		var page struct {
			Entries []struct {
				Seq   int64  `json:"seq"`
				Entry string `json:"entry"`
				Sig   string `json:"sig"`
			} `json:"entries"`
		}
		url := fmt.Sprintf("%s/ledger/entries?start=%d&end=%d", base, start, cp.size)
		if err := json.Unmarshal(get(url), &page); err != nil || len(page.Entries) == 0 {
			fail("entries at %d: %v", start, err)
		}
		for _, e := range page.Entries {
			if err := l.add(e.Seq, []byte(e.Entry), b64sig(e.Sig)); err != nil {
				fail("entry %d: %v", e.Seq, err)
			}
		}
		start = int64(len(l.leaves))
	}
	if err := l.final(text); err != nil {
		fail("checkpoint: %v", err)
	}
	for i, leaf := range l.leaves {
		var p struct{ Hashes []string }
		url := fmt.Sprintf("%s/ledger/proof/inclusion?index=%d&size=%d", base, i, cp.size)
		if err := json.Unmarshal(get(url), &p); err != nil {
			fail("inclusion: %v", err)
		}
		if err := tlog.CheckRecord(tlog.RecordProof(hashes(p.Hashes)), cp.size, cp.root, int64(i), leaf); err != nil {
			fail("tlog.CheckRecord(%d of %d): %v", i, cp.size, err)
		}
	}
	for old := int64(1); old < cp.size; old++ {
		var p struct{ Hashes []string }
		url := fmt.Sprintf("%s/ledger/proof/consistency?old=%d&new=%d", base, old, cp.size)
		if err := json.Unmarshal(get(url), &p); err != nil {
			fail("consistency: %v", err)
		}
		if err := tlog.CheckTree(tlog.TreeProof(hashes(p.Hashes)), cp.size, cp.root, old, rootOf(l.leaves[:old])); err != nil {
			fail("tlog.CheckTree(%d -> %d): %v", old, cp.size, err)
		}
	}
	fmt.Printf("interop ok: %s, %d entries (canonical, chained, signed; %d key(s) in the chain), all inclusion and consistency proofs verify\n",
		cp.origin, cp.size, len(l.chain))
}

// rootOf computes the RFC 6962 root with tlog.TreeHash over stored hashes.
func rootOf(leaves []tlog.Hash) tlog.Hash {
	if len(leaves) == 0 {
		return tlog.Hash(sha256.Sum256(nil))
	}
	var stored []tlog.Hash
	for i, l := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), l, hashReader(stored))
		if err != nil {
			fail("StoredHashes: %v", err)
		}
		stored = append(stored, hs...)
	}
	h, err := tlog.TreeHash(int64(len(leaves)), hashReader(stored))
	if err != nil {
		fail("TreeHash: %v", err)
	}
	return h
}

type hashReader []tlog.Hash

func (r hashReader) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(r)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = r[x]
	}
	return out, nil
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "ledger":
		cmdLedger(os.Args[2:])
	case "bundle":
		cmdBundle(os.Args[2:])
	case "mark":
		cmdMark(os.Args[2:])
	case "consistency":
		cmdConsistency(os.Args[2:])
	case "tiles":
		if len(os.Args) != 3 {
			usage()
		}
		cmdTiles(os.Args[2])
	default:
		if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
			usage()
		}
		cmdAPI(os.Args[1])
	}
}

// --- the static C2SP tlog-tiles (docs/ledger.md "Static files") ---

// c2spPath turns tlog's tile path ("tile/8/0/x001/234.p/5", entries as
// "tile/8/data/...") into the C2SP one, which has no height element and
// calls the entry bundles "entries".
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if strings.HasPrefix(p, "data/") {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// tileReader fetches tiles from the static files, each once.
type tileReader struct {
	base  string
	cache map[string][]byte
}

func (r *tileReader) Height() int { return 8 }

func (r *tileReader) fetch(path string) []byte {
	if b, ok := r.cache[path]; ok {
		return b
	}
	b := get(r.base + "/ledger/" + path)
	r.cache[path] = b
	return b
}

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = r.fetch(c2spPath(t))
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// cmdTiles verifies the log from the static files alone, with tlog's tile
// functions: the checkpoint (note.Open with the published keys), the tree
// hash through tlog.TileHashReader (which checks every tile it reads
// against the signed root), each entry from the bundles against its leaf
// hash in the level-0 tile (tlog.TileForIndex, tlog.HashFromTile), and an
// inclusion proof for each entry built from the tiles (tlog.ProveRecord).
func cmdTiles(base string) {
	_, _, cp := keysAndCheckpoint(base+"/.well-known/htq-ledger-keys", base+"/ledger/checkpoint")
	tr := &tileReader{base: base, cache: map[string][]byte{}}
	thr := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, tr)
	h, err := tlog.TreeHash(cp.size, thr)
	if err != nil || h != cp.root {
		fail("tlog.TreeHash from the tiles: %v (%v != %v)", err, h, cp.root)
	}
	for n := int64(0); n*256 < cp.size; n++ {
		w := cp.size - n*256
		if w > 256 {
			w = 256
		}
		bundle := tr.fetch(c2spPath(tlog.Tile{H: 8, L: -1, N: n, W: int(w)}))
		off := 0
		for i := int64(0); i < w; i++ {
			if len(bundle)-off < 2 {
				fail("entry bundle %d: cut short at entry %d", n, i)
			}
			l := int(bundle[off])<<8 | int(bundle[off+1])
			if l == 0 || len(bundle)-off-2 < l {
				fail("entry bundle %d: bad length at entry %d", n, i)
			}
			e := bundle[off+2 : off+2+l]
			off += 2 + l
			idx := n*256 + i
			if _, err := parseEntry(e); err != nil {
				fail("entry %d from the bundle: %v", idx, err)
			}
			leaf := tlog.RecordHash(e)
			si := tlog.StoredHashIndex(0, idx)
			t := tlog.TileForIndex(8, si)
			t.W = int(w)
			th, err := tlog.HashFromTile(t, tr.fetch(c2spPath(t)), si)
			if err != nil || th != leaf {
				fail("entry %d: leaf hash %v, tile %s has %v (%v)", idx, leaf, c2spPath(t), th, err)
			}
			// every proof in small logs; in large ones a sample
			// (tile boundaries, every 509th, the last entries):
			// TileHashReader re-checks its tiles on every call
			if cp.size > 2048 && idx%509 != 0 && idx%256 > 1 && idx%256 < 255 && idx < cp.size-300 {
				continue
			}
			p, err := tlog.ProveRecord(cp.size, idx, thr)
			if err != nil {
				fail("tlog.ProveRecord(%d) from the tiles: %v", idx, err)
			}
			if err := tlog.CheckRecord(p, cp.size, cp.root, idx, leaf); err != nil {
				fail("tlog.CheckRecord(%d of %d): %v", idx, cp.size, err)
			}
		}
		if off != len(bundle) {
			fail("entry bundle %d: %d bytes after its %d entries", n, len(bundle)-off, w)
		}
	}
	fmt.Printf("tiles ok: %s, %d entries from the static tiles, tree hash, leaf hashes and inclusion proofs verify\n",
		cp.origin, cp.size)
}

// --- quality marks (docs/ledger.md 6.5-6.7) ---

// --- witnesses (docs/ledger.md 6.7; C2SP tlog-cosignature) ---

const (
	maxWitnesses = 16
	maxAge       = 31536000
	skew         = 300
)

type witness struct {
	name string
	kid  uint32
	pk   ed25519.PublicKey
}

type witnessPolicy struct {
	witnesses []witness
	quorum    int
	maxAge    int64
}

// trust is the policy's witness rule (none with --key).
var trust witnessPolicy

func cosigKeyID(name string, pk []byte) uint32 {
	h := sha256.Sum256(append(append([]byte(name), '\n', 0x04), pk...))
	return binary.BigEndian.Uint32(h[:4])
}

// parseCosigKey reads "<name>+<8 lowercase hex>+<base64(0x04 || pk)>".
func parseCosigKey(s string) (witness, error) {
	bad := fmt.Errorf("bad witness key")
	parts := strings.SplitN(s, "+", 3)
	if len(parts) != 3 || parts[0] == "" || len(parts[0]) > 128 || len(parts[1]) != 8 ||
		strings.ToLower(parts[1]) != parts[1] {
		return witness{}, bad
	}
	for _, r := range parts[0] {
		if r <= ' ' || r == 0x7f || r == '+' || r >= 0x80 {
			return witness{}, bad
		}
	}
	id, err := hex.DecodeString(parts[1])
	if err != nil {
		return witness{}, bad
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		return witness{}, bad
	}
	w := witness{parts[0], binary.BigEndian.Uint32(id), ed25519.PublicKey(raw[1:])}
	if cosigKeyID(w.name, w.pk) != w.kid {
		return witness{}, bad
	}
	return w, nil
}

func isoTime(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05Z") }

// cosigned applies the witness rule to a checkpoint note (already opened
// by note.Open, so well formed) at time now: the time a quorum vouches
// for, or why not ("" when witnessed, and always without witnesses).
func (p witnessPolicy) cosigned(text []byte, now int64) (int64, string) {
	if len(p.witnesses) == 0 {
		return 0, ""
	}
	t := string(text)
	split := strings.LastIndex(t, "\n\n")
	if split < 0 {
		return 0, "not a signed note"
	}
	body := t[:split+1]
	fresh := make([]int64, len(p.witnesses))
	old := make([]int64, len(p.witnesses))
	for _, line := range strings.Split(strings.TrimSuffix(t[split+2:], "\n"), "\n") {
		if !strings.HasPrefix(line, "\u2014 ") {
			continue
		}
		name, b64, ok := strings.Cut(strings.TrimPrefix(line, "\u2014 "), " ")
		if !ok {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(blob) != 4+8+ed25519.SignatureSize {
			continue
		}
		ts := binary.BigEndian.Uint64(blob[4:12])
		if ts == 0 || ts > 1<<63-1 {
			continue
		}
		msg := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n", ts) + body)
		for i, w := range p.witnesses {
			if w.name != name || binary.BigEndian.Uint32(blob[:4]) != w.kid ||
				!ed25519.Verify(w.pk, msg, blob[12:]) {
				continue
			}
			at := int64(ts)
			if at <= now+skew && at >= now-p.maxAge {
				if at > fresh[i] {
					fresh[i] = at
				}
			} else if at < now && at > old[i] {
				old[i] = at
			}
		}
	}
	var good []int64
	for _, f := range fresh {
		if f != 0 {
			good = append(good, f)
		}
	}
	if len(good) >= p.quorum {
		sort.Slice(good, func(a, b int) bool { return good[a] > good[b] })
		return good[p.quorum-1], ""
	}
	var why []string
	for i, w := range p.witnesses {
		switch {
		case fresh[i] != 0:
		case old[i] != 0:
			why = append(why, fmt.Sprintf("witness %s has not cosigned since %s", w.name, isoTime(old[i])))
		default:
			why = append(why, "no valid cosignature from witness "+w.name)
		}
	}
	return 0, fmt.Sprintf("not witnessed (quorum %d of %d within %d s): %s", p.quorum,
		len(p.witnesses), p.maxAge, strings.Join(why, "; "))
}

// words is what a verdict adds for a witnessed checkpoint.
func (p witnessPolicy) words(when int64) string {
	if len(p.witnesses) == 0 {
		return ""
	}
	return fmt.Sprintf("; witnessed at %s (quorum %d of %d)", isoTime(when), p.quorum, len(p.witnesses))
}

// loadPolicy reads a verifier policy: "origin O", one or more "key K"
// (oldest first, each named O), comments and blank lines, and optionally
// "witness W" (at most 16), "quorum K" and "max_age S" (these two once
// each, only with witnesses); anything else is refused.  The witness
// rule goes to trust.
func loadPolicy(path string) ([]vkey, string) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 16*1024 {
		fmt.Fprintf(os.Stderr, "interop: policy %s: unreadable or too large\n", path)
		os.Exit(2)
	}
	bad := func(n int, why string) {
		fmt.Fprintf(os.Stderr, "interop: policy %s: line %d: %s\n", path, n, why)
		os.Exit(2)
	}
	number := func(n int, v string, max int64) int64 {
		if v == "" || (v[0] == '0' && len(v) > 1) || strings.TrimLeft(v, "0123456789") != "" || len(v) > 10 {
			bad(n, "not a decimal number")
		}
		x, _ := strconv.ParseInt(v, 10, 64)
		if x < 1 || x > max {
			bad(n, "out of range")
		}
		return x
	}
	var keys []vkey
	var wp witnessPolicy
	origin := ""
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		if len(line) > 512 {
			bad(n, "too long")
		}
		for _, c := range []byte(line) {
			if c < 0x20 || c == 0x7f {
				bad(n, "a control character")
			}
		}
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) != 2 || f[1] == "" {
			bad(n, "not \"keyword value\"")
		}
		switch f[0] {
		case "origin":
			if origin != "" {
				bad(n, "a second origin")
			}
			origin = f[1]
		case "key":
			k, err := parseKey(f[1])
			if err != nil {
				bad(n, "not a verifier key")
			}
			for _, o := range keys {
				if bytes.Equal(o.pk, k.pk) {
					bad(n, "the same key twice")
				}
			}
			keys = append(keys, k)
		case "witness":
			if len(wp.witnesses) == maxWitnesses {
				bad(n, "more than 16 witnesses")
			}
			w, err := parseCosigKey(f[1])
			if err != nil {
				bad(n, "not a witness's cosignature key")
			}
			for _, o := range wp.witnesses {
				if o.name == w.name || bytes.Equal(o.pk, w.pk) {
					bad(n, "witness "+w.name+" twice")
				}
			}
			wp.witnesses = append(wp.witnesses, w)
		case "quorum":
			if wp.quorum != 0 {
				bad(n, "a second quorum line")
			}
			wp.quorum = int(number(n, f[1], maxWitnesses))
		case "max_age":
			if wp.maxAge != 0 {
				bad(n, "a second max_age line")
			}
			wp.maxAge = number(n, f[1], maxAge)
		default:
			bad(n, "unknown keyword")
		}
	}
	if origin == "" || len(keys) == 0 {
		fmt.Fprintf(os.Stderr, "interop: policy %s: needs an origin and a key\n", path)
		os.Exit(2)
	}
	for _, k := range keys {
		if k.name != origin {
			fmt.Fprintf(os.Stderr, "interop: policy %s: key %s is not named by the origin\n", path, k.hex())
			os.Exit(2)
		}
	}
	switch {
	case len(wp.witnesses) == 0 && (wp.quorum != 0 || wp.maxAge != 0):
		fmt.Fprintf(os.Stderr, "interop: policy %s: quorum or max_age without witness lines\n", path)
		os.Exit(2)
	case wp.quorum > len(wp.witnesses):
		fmt.Fprintf(os.Stderr, "interop: policy %s: quorum %d is more than the %d witnesses\n", path, wp.quorum, len(wp.witnesses))
		os.Exit(2)
	}
	if wp.quorum == 0 {
		wp.quorum = len(wp.witnesses)
	}
	if wp.maxAge == 0 {
		wp.maxAge = 86400
	}
	trust = wp
	return keys, origin
}

// source reads files of a tile set: a folder or a base URL.
type source struct {
	where string
	url   bool
}

func (s source) read(path string, max int) ([]byte, error) {
	full := strings.TrimSuffix(s.where, "/") + "/" + path
	if !s.url {
		b, err := os.ReadFile(full)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot be read", full)
		}
		if len(b) > max {
			return nil, fmt.Errorf("%s: too large", full)
		}
		return b, nil
	}
	resp, err := http.Get(full)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot be fetched (%v)", full, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil || resp.StatusCode != 200 || len(b) > max {
		return nil, fmt.Errorf("%s: cannot be fetched (%d)", full, resp.StatusCode)
	}
	return b, nil
}

// readTile reads a tile, and when a partial one is gone, the full tile
// (whose first W hashes or entries are the partial one's).
func (s source) readTile(t tlog.Tile, max int) ([]byte, bool, error) {
	b, err := s.read(c2spPath(t), max)
	if err == nil || t.W == 256 {
		return b, false, err
	}
	t.W = 256
	if b, err2 := s.read(c2spPath(t), max); err2 == nil {
		return b, true, nil
	}
	return nil, false, fmt.Errorf("%v, nor its full tile", err)
}

// markScan is what the log read says about the mark.
type markScan struct {
	mark      string
	award     int64
	awardLeaf tlog.Hash
	read      int64
	lastTime  string
	revoked   bool
	rseq      int64
	rtime     string
	reason    string
	unchecked string
}

func (sc *markScan) see(seq int64, e *entry, leaf tlog.Hash) error {
	sc.lastTime = e.time
	if seq == sc.award && leaf != sc.awardLeaf {
		return fmt.Errorf("the log's entry %d is not the bundle's award entry", seq)
	}
	if seq <= sc.award {
		return nil
	}
	sc.read++
	if e.typ == "mark.revoked" && e.subject == sc.mark && !sc.revoked {
		sc.revoked, sc.rseq, sc.rtime = true, seq, e.time
		sc.reason = "unstated"
		if r, ok := e.data["reason"].(string); ok {
			sc.reason = r
		}
	}
	return nil
}

// markFacts: every field of the unsigned "mark" object must be backed by
// the signed entries (award data; id; status; revoked from the
// revocation's data), or the bundle is refused naming the field.
func markFacts(m interface{}, e, r *entry) {
	if m == nil {
		return
	}
	mo, ok := m.(obj)
	if !ok {
		fail("mark: not an object")
	}
	keys := make([]string, 0, len(mo))
	for k := range mo {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := mo[k]
		switch k {
		case "id", "mark_id":
			if s, ok := v.(string); !ok || s != e.subject {
				fail("mark: field %s: the bundle shows another mark than the signed entry awards (%s)", k, e.subject)
			}
		case "status":
			want := "current"
			if r != nil {
				want = "revoked"
			}
			if s, ok := v.(string); !ok || s != want {
				fail("mark: field status is not %q", want)
			}
		case "revoked":
			if r == nil {
				if v != nil {
					fail("mark: field revoked is set but the bundle carries no signed revocation")
				}
				continue
			}
			ro, ok := v.(obj)
			if !ok {
				fail("mark: field revoked differs from what the signed entry %d records", r.seq)
			}
			for rk, rv := range ro {
				var sv interface{}
				var has bool
				switch rk {
				case "date":
					sv, has = r.data["revoked"]
				case "reason", "note":
					sv, has = r.data[rk]
				}
				if !(has && reflect.DeepEqual(rv, sv)) && !(rk == "note" && rv == nil && !has) {
					fail("mark: field revoked.%s differs from what the signed entry %d records", rk, r.seq)
				}
			}
		default:
			sv, has := e.data[k]
			if !has {
				fail("mark: field %s is not in the signed entry %d (nothing signed vouches for it)", k, e.seq)
			}
			if !reflect.DeepEqual(v, sv) {
				fail("mark: field %s differs from what the signed entry %d records", k, e.seq)
			}
		}
	}
}

func cmdMark(args []string) {
	var pos, keys []string
	var entries, policy, origin string
	bundleLatest := false
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--key" && i+1 < len(args) && policy == "":
			i++
			keys = append(keys, args[i])
		case args[i] == "--policy" && i+1 < len(args) && len(keys) == 0 && origin == "":
			i++
			policy = args[i]
		case args[i] == "--origin" && i+1 < len(args) && policy == "":
			i++
			origin = args[i]
		case args[i] == "--entries" && i+1 < len(args):
			i++
			entries = args[i]
		case args[i] == "--bundle-checkpoint-is-latest":
			bundleLatest = true
		case len(pos) < 1 && !strings.HasPrefix(args[i], "-"):
			pos = append(pos, args[i])
		default:
			usage()
		}
	}
	var trusted []vkey
	if policy != "" {
		trusted, origin = loadPolicy(policy)
	} else {
		for _, k := range keys {
			trusted = append(trusted, loadKeys(k)...)
		}
	}
	if len(pos) != 1 || len(trusted) == 0 {
		usage()
	}
	if origin == "" {
		origin = trusted[0].name
	}
	b, err := os.ReadFile(pos[0])
	if err != nil || len(b) > 1<<20 {
		fail("%s: unreadable or too large", pos[0])
	}
	whole, err := decodeAll(b)
	if err != nil {
		fail("bundle: %v", err)
	}
	var bundle struct {
		signed
		Checkpoint *string `json:"checkpoint"`
		Revocation *signed `json:"revocation"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil || bundle.Checkpoint == nil {
		fail("not a bundle")
	}
	cpText := []byte(*bundle.Checkpoint)
	var latestText []byte // the latest checkpoint's note, for the witness rule
	if bundleLatest {
		latestText = cpText
	}
	sc := &markScan{}
	var cp checkpoint
	var e, r *entry
	var latest checkpoint
	from := ""
	exportRead := false
	isURL := strings.HasPrefix(entries, "http://") || strings.HasPrefix(entries, "https://")
	st, statErr := os.Stat(entries)
	isDir := statErr == nil && st.IsDir()
	if entries != "" && !isURL && !isDir {
		// the whole export, keys followed from the first trusted one
		bcp, err := openNote(cpText, nil, origin)
		if err != nil {
			fail("checkpoint: %v", err)
		}
		pe, err := parseEntry([]byte(bundle.Entry))
		if err != nil {
			fail("entry: %v", err)
		}
		sc.mark, sc.award, sc.awardLeaf = pe.subject, pe.seq, tlog.RecordHash([]byte(bundle.Entry))
		f, err := os.Open(entries)
		if err != nil {
			sc.unchecked = fmt.Sprintf("step 1, opening the export %s: %v", entries, err)
		} else {
			l := &ledger{trusted: trusted, chain: trusted[:1:1], origin: origin, extra: &bcp}
			l.onEntry = sc.see
			l.readExport(f)
			f.Close()
			if bcp.size > int64(len(l.leaves)) {
				fail("the bundle's checkpoint is for %d entries but the export has %d: the export is older (truncated or rolled back)", bcp.size, len(l.leaves))
			}
			if _, err := openNote(cpText, []vkey{l.chain[l.extraKey]}, origin); err != nil {
				fail("checkpoint of the bundle: %v (the key current at size %d is %s)", err, bcp.size, l.chain[l.extraKey].hex())
			}
			if bcp.root != rootOf(l.leaves[:bcp.size]) {
				fail("checkpoint of the bundle: its root for %d entries differs from this export's (history rewritten)", bcp.size)
			}
			cp, latest, from, exportRead = bcp, l.finalCp, "the export's", true
			latestText = l.finalText
			e = checkSigned("entry", bundle.signed, l.chain, cp)
			if bundle.Revocation != nil {
				r = checkSigned("revocation", *bundle.Revocation, l.chain, cp)
			}
		}
	}
	if !exportRead {
		if cp, err = openNote(cpText, trusted, origin); err != nil {
			fail("checkpoint: %v", err)
		}
		e = checkSigned("entry", bundle.signed, trusted, cp)
		if bundle.Revocation != nil {
			r = checkSigned("revocation", *bundle.Revocation, trusted, cp)
		}
	}
	if r != nil && (r.typ != "mark.revoked" || r.subject != e.subject || r.seq <= e.seq) {
		fail("revocation is not a later mark.revoked of %s", e.subject)
	}
	if e.typ != "mark.awarded" {
		fail("entry %d is a %s, not a mark.awarded", e.seq, e.typ)
	}
	markFacts(whole.(obj)["mark"], e, r)
	if !exportRead {
		latest = cp
	}
	switch {
	case exportRead:
	case entries != "" && sc.unchecked == "":
		sc.mark, sc.award, sc.awardLeaf = e.subject, e.seq, tlog.RecordHash([]byte(bundle.Entry))
		src := source{entries, isURL}
		from = "the log's latest, from the tiles"
		if bundleLatest {
			from = "the bundle's own, taken as the latest by --bundle-checkpoint-is-latest"
		}
		if !bundleLatest {
			text, err := src.read("checkpoint", maxNote)
			if err != nil {
				sc.unchecked = "step 1, reading the log's latest checkpoint: " + err.Error()
				break
			}
			if latest, err = openNote(text, trusted[len(trusted)-1:], cp.origin); err != nil {
				fail("%s: its checkpoint: %v (it must be signed by the newest given key, %s)", entries, err, trusted[len(trusted)-1].hex())
			}
			latestText = text
			if latest.size < cp.size {
				fail("%s: its checkpoint has %d entries, fewer than the bundle's %d: the log was rolled back, or this copy is stale", entries, latest.size, cp.size)
			}
		}
		sc.unchecked = scanTiles(src, sc, cp, latest)
	case bundleLatest:
		from = "the bundle's own, taken as the latest by --bundle-checkpoint-is-latest; only the bundle's entries were read"
	case entries == "":
		sc.unchecked = "no --entries given (the log's export, its tiles or their URL prove it)"
	}
	if sc.revoked && r == nil && sc.rseq < cp.size {
		fail("mark %s was revoked by entry %d on %.10s (%s), but the bundle does not say so", e.subject, sc.rseq, sc.rtime, sc.reason)
	}
	// not revoked as of the latest checkpoint: only if a quorum of the
	// policy's witnesses vouch that it is the latest
	var when int64
	if sc.unchecked == "" && latestText != nil {
		var why string
		if when, why = trust.cosigned(latestText, time.Now().Unix()); why != "" {
			sc.unchecked = fmt.Sprintf("the log's latest checkpoint (of %d entries) is %s", latest.size, why)
		}
	}
	switch {
	case r != nil:
		reason, ok := r.data["reason"].(string)
		if !ok {
			reason = "unstated"
		}
		fmt.Printf("mark %s: genuine, awarded by entry %d on %.10s; revoked on %.10s: %s (entry %d)\n",
			e.subject, e.seq, e.time, r.time, reason, r.seq)
		os.Exit(3)
	case sc.revoked:
		fmt.Printf("mark %s: genuine, awarded by entry %d on %.10s; revoked on %.10s: %s (entry %d, after the bundle's checkpoint of %d entries)\n",
			e.subject, e.seq, e.time, sc.rtime, sc.reason, sc.rseq, cp.size)
		os.Exit(3)
	case sc.unchecked != "":
		fmt.Printf("mark %s: award proved (entry %d on %.10s, in the checkpoint of %d entries); revocation NOT checked: %s\n",
			e.subject, e.seq, e.time, cp.size, sc.unchecked)
		os.Exit(4)
	}
	fmt.Printf("mark %s: genuine, awarded by entry %d on %.10s; not revoked as of the checkpoint of %d entries (%s%s",
		e.subject, e.seq, e.time, latest.size, from, trust.words(when))
	if sc.lastTime != "" {
		fmt.Printf("; its last entry dated %s; %d entries read after the award", sc.lastTime, sc.read)
	}
	fmt.Printf(")\n")
}

// scanTiles reads every entry of the tile set up to latest (Go reads them
// all from 0, where htq-verify starts at the award's tile), checks the
// award at its index, the bundle's root at its size and the latest root,
// and notes revocations.  A tile that cannot be read returns why
// (revocation not checked); anything false ends the program.
func scanTiles(src source, sc *markScan, cp, latest checkpoint) string {
	var leaves []tlog.Hash
	for n := int64(0); n*256 < latest.size; n++ {
		w := latest.size - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: n, W: int(w)}
		bundle, full, err := src.readTile(t, 256*(2+maxEntry))
		if err != nil {
			// what was read is proved only up to the bundle's
			// checkpoint, and only if its root is met there
			if sc.revoked && !(int64(len(leaves)) >= cp.size && sc.rseq < cp.size &&
				rootOf(leaves[:cp.size]) == cp.root) {
				sc.revoked = false
			}
			return "step 3, reading the entry bundles: " + err.Error()
		}
		off := 0
		for i := int64(0); i < w; i++ {
			if len(bundle)-off < 2 {
				fail("%s: holds %d entries, expected %d", c2spPath(t), i, w)
			}
			l := int(bundle[off])<<8 | int(bundle[off+1])
			if l == 0 || len(bundle)-off-2 < l {
				fail("%s: holds %d entries, expected %d", c2spPath(t), i, w)
			}
			b := bundle[off+2 : off+2+l]
			off += 2 + l
			idx := n*256 + i
			e, err := parseEntry(b)
			if err != nil {
				fail("entry %d: %v", idx, err)
			}
			if e.seq != idx {
				fail("entry at index %d says seq %d", idx, e.seq)
			}
			leaf := tlog.RecordHash(b)
			leaves = append(leaves, leaf)
			if err := sc.see(idx, e, leaf); err != nil {
				fail("%v", err)
			}
		}
		if off != len(bundle) && !full {
			fail("%s: bytes after its %d entries", c2spPath(t), w)
		}
	}
	if rootOf(leaves[:cp.size]) != cp.root {
		fail("the log read has another root at the bundle's checkpoint of %d entries (history rewritten, or a forged bundle checkpoint)", cp.size)
	}
	if rootOf(leaves) != latest.root {
		fail("the entries read do not hash to the checkpoint's root of %d entries: an entry or a tile was changed, added or removed", latest.size)
	}
	return ""
}
