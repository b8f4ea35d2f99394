package plexmcp

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// What a published module must carry: the repository's licence, and the documented module path.

func TestTheModuleShipsTheRepositoryLicence(t *testing.T) {
	root, err := os.ReadFile(filepath.Join("..", "..", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := os.ReadFile("LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if string(own) != string(root) || !strings.HasPrefix(string(root), "MIT License") {
		t.Fatal("sdks/go/LICENSE differs from the repository's MIT LICENSE")
	}
}

func TestTheModulePathIsTheDocumentedOneAndTheRepositoryUsesItThroughAReplace(t *testing.T) {
	goMod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	path := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(goMod)
	if path == nil || string(path[1]) != "github.com/plexmcp/plexmcp-go" {
		t.Fatalf("module path %q", path)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	consumer := filepath.Join("..", "..", "tooling", "sdk-tests", "verifiers", "go")
	consumerMod, err := os.ReadFile(filepath.Join(consumer, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	replace := regexp.MustCompile(`(?m)^replace ` + regexp.QuoteMeta(string(path[1])) + ` => (\S+)$`).FindSubmatch(consumerMod)
	if replace == nil {
		t.Fatal("the in-repository consumer does not replace the module path")
	}
	target, err := filepath.Abs(filepath.Join(consumer, string(replace[1])))
	if err != nil {
		t.Fatal(err)
	}
	here, _ := filepath.Abs(".")
	if target != here {
		t.Fatalf("the replace points at %s, not this module (%s)", target, here)
	}
	if !strings.Contains(string(readme), "replace "+string(path[1])+" => "+string(replace[1])) {
		t.Fatal("README.md does not show the replace the repository uses")
	}
}
