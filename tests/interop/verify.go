// Command verify checks htq's ledger with Go's own transparency-log
// packages, not ours: the checkpoint with note.Open, every entry's
// inclusion with tlog.CheckRecord, and consistency between sizes with
// tlog.CheckTree.  It talks to the public API:
//
//	verify http://127.0.0.1:8080/api/v1
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build verify.go
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

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

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: "+f+"\n", a...)
	os.Exit(1)
}

func hashes(list []string) []tlog.Hash {
	var out []tlog.Hash
	for _, s := range list {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			fail("bad hash %q", s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func openCheckpoint(text []byte, verifiers note.Verifiers) checkpoint {
	n, err := note.Open(text, verifiers)
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size %q", lines[1])
	}
	return checkpoint{lines[0], size, hashes([]string{lines[2]})[0]}
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: verify BASE_URL")
	}
	base := os.Args[1]
	var vs []note.Verifier
	for _, line := range strings.Split(strings.TrimSpace(string(get(base+"/ledger/key"))), "\n") {
		v, err := note.NewVerifier(line)
		if err != nil {
			fail("note.NewVerifier(%q): %v", line, err)
		}
		vs = append(vs, v)
	}
	cp := openCheckpoint(get(base+"/ledger/checkpoint"), note.VerifierList(vs...))
	if cp.size == 0 {
		fail("empty ledger")
	}

	// Every entry: fetch pages, hash the exact bytes, check inclusion.
	leaves := make([]tlog.Hash, 0, cp.size)
	for start := int64(0); start < cp.size; {
		var page struct {
			Entries []struct {
				Seq   int64  `json:"seq"`
				Entry string `json:"entry"`
				Sig   string `json:"sig"`
			} `json:"entries"`
			Next *int64 `json:"next"`
		}
		url := fmt.Sprintf("%s/ledger/entries?start=%d&end=%d", base, start, cp.size)
		if err := json.Unmarshal(get(url), &page); err != nil {
			fail("entries: %v", err)
		}
		if len(page.Entries) == 0 {
			fail("entries: empty page at %d", start)
		}
		for _, e := range page.Entries {
			if e.Seq != int64(len(leaves)) {
				fail("entries: seq %d, expected %d", e.Seq, len(leaves))
			}
			leaves = append(leaves, tlog.RecordHash([]byte(e.Entry)))
		}
		start = int64(len(leaves))
	}
	for i, leaf := range leaves {
		var p struct {
			Index  int64    `json:"index"`
			Size   int64    `json:"size"`
			Hashes []string `json:"hashes"`
		}
		url := fmt.Sprintf("%s/ledger/proof/inclusion?index=%d&size=%d", base, i, cp.size)
		if err := json.Unmarshal(get(url), &p); err != nil {
			fail("inclusion: %v", err)
		}
		if err := tlog.CheckRecord(tlog.RecordProof(hashes(p.Hashes)), cp.size, cp.root, int64(i), leaf); err != nil {
			fail("tlog.CheckRecord(%d of %d): %v", i, cp.size, err)
		}
	}
	// Consistency from every older size, each old root recomputed from
	// the leaves with tlog's own tree hashing.
	for old := int64(1); old < cp.size; old++ {
		var p struct {
			Old, New int64
			Hashes   []string
		}
		url := fmt.Sprintf("%s/ledger/proof/consistency?old=%d&new=%d", base, old, cp.size)
		if err := json.Unmarshal(get(url), &p); err != nil {
			fail("consistency: %v", err)
		}
		oldRoot := rootOf(leaves[:old])
		if err := tlog.CheckTree(tlog.TreeProof(hashes(p.Hashes)), cp.size, cp.root, old, oldRoot); err != nil {
			fail("tlog.CheckTree(%d -> %d): %v", old, cp.size, err)
		}
	}
	if rootOf(leaves) != cp.root {
		fail("root of the served entries differs from the signed checkpoint")
	}
	fmt.Printf("interop ok: %s, %d entries, checkpoint signed by %d known key(s), all inclusion and consistency proofs verify\n",
		cp.origin, cp.size, len(vs))
}

// rootOf computes the RFC 6962 root with tlog.TreeHash over stored hashes.
func rootOf(leaves []tlog.Hash) tlog.Hash {
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

