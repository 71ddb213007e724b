// Command cosig checks htq-witness's cosignatures with Go, independently
// of the C code: a cosignature/v1 verifier (C2SP tlog-cosignature,
// Ed25519) written from the spec and plugged into
// golang.org/x/mod/sumdb/note, whose note.Open parses the cosigned
// checkpoint (the log's signature, an unknown key to it, is ignored).
//
//	cosig VKEY < NOTE     VKEY: name+hexid+base64(0x04 || pk)
//
// Prints "ok <time>" and exits 0 when the witness's line verifies,
// exits 1 otherwise (2: usage).
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build -o cosig .
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosigVerifier struct {
	name string
	hash uint32
	pk   ed25519.PublicKey
	time uint64
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }

// Verify: sig is u64be(timestamp) || Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" || the note's text.
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t == 0 || t > 1<<63-1 {
		return false
	}
	var m bytes.Buffer
	fmt.Fprintf(&m, "cosignature/v1\ntime %d\n", t)
	m.Write(msg)
	if !ed25519.Verify(v.pk, m.Bytes(), sig[8:]) {
		return false
	}
	v.time = t
	return true
}

func parseVkey(s string) (*cosigVerifier, error) {
	parts := strings.SplitN(s, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("not name+id+key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		return nil, fmt.Errorf("not a cosignature/v1 Ed25519 key")
	}
	id, err := hex.DecodeString(parts[1])
	if err != nil || len(id) != 4 {
		return nil, fmt.Errorf("bad key id")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	if !bytes.Equal(h[:4], id) {
		return nil, fmt.Errorf("key id is not SHA-256(name \\n 0x04 pk)[:4]")
	}
	return &cosigVerifier{name: parts[0], hash: binary.BigEndian.Uint32(id),
		pk: ed25519.PublicKey(raw[1:])}, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cosig VKEY < NOTE")
		os.Exit(2)
	}
	v, err := parseVkey(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "cosig:", err)
		os.Exit(2)
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Exit(1)
	}
	n, err := note.Open(data, note.VerifierList(v))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cosig:", err)
		os.Exit(1)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != v.name {
		fmt.Fprintln(os.Stderr, "cosig: the witness's signature is not the one verified")
		os.Exit(1)
	}
	fmt.Printf("ok %d\n", v.time)
}
