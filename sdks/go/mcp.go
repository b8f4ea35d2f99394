package plexmcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// MCPProtocolVersion is the MCP protocol version the client asks for at initialize.
const MCPProtocolVersion = "2025-06-18"

// MCPSession is a session with one MCP through the gateway, from MCPs.Connect: a minimal MCP
// client over Streamable HTTP (JSON-RPC 2.0) that initializes, lists tools and calls them.
// Answers may be one JSON body or a Server-Sent Events stream; server-to-client requests on that
// stream are not served. Gateway refusals are *APIError (a key without this MCP: ErrForbidden;
// over its usage limit: ErrUsageLimitExceeded, at once); a JSON-RPC error from the MCP server is
// *MCPError. MCP requests are POSTs, so they are never retried. Safe for concurrent use.
type MCPSession struct {
	c   *Client
	url string

	mu              sync.Mutex
	nextID          int64
	sessionID       string
	protocolVersion string
	server          *InitializeResult
}

// Implementation is the name and version an MCP server reports.
type Implementation struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// InitializeResult is the MCP server's answer to initialize.
type InitializeResult struct {
	ProtocolVersion string                 `json:"protocolVersion"`
	Capabilities    map[string]interface{} `json:"capabilities"`
	ServerInfo      Implementation         `json:"serverInfo"`
	Instructions    string                 `json:"instructions,omitempty"`
}

// Tool is one tool an MCP server offers.
type Tool struct {
	Name         string                 `json:"name"`
	Title        string                 `json:"title,omitempty"`
	Description  string                 `json:"description,omitempty"`
	InputSchema  map[string]interface{} `json:"inputSchema"`
	OutputSchema map[string]interface{} `json:"outputSchema,omitempty"`
	Annotations  map[string]interface{} `json:"annotations,omitempty"`
}

// ListToolsResult is one page of tools; NextCursor names the next page, if any.
type ListToolsResult struct {
	Tools      []Tool `json:"tools"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// Content is one content block of a tool result: Type "text" has Text; "image" and "audio"
// have Data (base64) and MIMEType; Raw holds the whole block for other types.
type Content struct {
	Type     string          `json:"type"`
	Text     string          `json:"text,omitempty"`
	Data     string          `json:"data,omitempty"`
	MIMEType string          `json:"mimeType,omitempty"`
	Raw      json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the whole block in Raw besides the typed fields.
func (c *Content) UnmarshalJSON(data []byte) error {
	type plain Content
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*c = Content(p)
	c.Raw = append(json.RawMessage{}, data...)
	return nil
}

// CallToolResult is a tool's answer; IsError is true when the tool itself failed.
type CallToolResult struct {
	Content           []Content              `json:"content"`
	IsError           bool                   `json:"isError,omitempty"`
	StructuredContent map[string]interface{} `json:"structuredContent,omitempty"`
}

// Connect opens an MCP session through the gateway with this client's key: initialize, then
// notifications/initialized. Close it when done.
func (s *MCPService) Connect(ctx context.Context, id string) (*MCPSession, error) {
	if s.c.err != nil {
		return nil, s.c.err
	}
	session := &MCPSession{c: s.c, url: s.Endpoint(id)}
	if _, err := session.initialize(ctx); err != nil {
		return nil, err
	}
	return session, nil
}

// Server is what the MCP server answered to initialize.
func (m *MCPSession) Server() *InitializeResult {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.server
}

// SessionID is the Mcp-Session-Id the gateway handed out ("" if the server keeps no sessions).
func (m *MCPSession) SessionID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessionID
}

func (m *MCPSession) initialize(ctx context.Context) (*InitializeResult, error) {
	params := map[string]interface{}{
		"protocolVersion": MCPProtocolVersion,
		"capabilities":    map[string]interface{}{},
		"clientInfo":      Implementation{Name: "plexmcp-sdk-go", Version: Version},
	}
	var result InitializeResult
	if err := m.Request(ctx, "initialize", params, &result); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.server = &result
	m.protocolVersion = result.ProtocolVersion
	if m.protocolVersion == "" {
		m.protocolVersion = MCPProtocolVersion
	}
	m.mu.Unlock()
	if err := m.Notify(ctx, "notifications/initialized", nil); err != nil {
		return nil, err
	}
	return &result, nil
}

// ListTools returns one page of the server's tools (cursor "" for the first).
func (m *MCPSession) ListTools(ctx context.Context, cursor string) (*ListToolsResult, error) {
	var params interface{}
	if cursor != "" {
		params = map[string]string{"cursor": cursor}
	}
	var result ListToolsResult
	if err := m.Request(ctx, "tools/list", params, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

// CallTool calls a tool with its arguments (nil for none).
func (m *MCPSession) CallTool(ctx context.Context, name string, arguments map[string]interface{}) (*CallToolResult, error) {
	if arguments == nil {
		arguments = map[string]interface{}{}
	}
	var result CallToolResult
	params := map[string]interface{}{"name": name, "arguments": arguments}
	if err := m.Request(ctx, "tools/call", params, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  interface{}     `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *MCPError       `json:"error,omitempty"`
}

// Request sends any JSON-RPC request and decodes its result into out (if non-nil).
func (m *MCPSession) Request(ctx context.Context, method string, params interface{}, out interface{}) error {
	m.mu.Lock()
	m.nextID++
	id := json.RawMessage(fmt.Sprint(m.nextID))
	m.mu.Unlock()
	payload, err := json.Marshal(rpcMessage{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("plexmcp: encoding %s: %w", method, err)
	}
	var answer *rpcMessage
	err = m.c.retrying(ctx, http.MethodPost, func(ctx context.Context) error {
		resp, err := m.exchange(ctx, http.MethodPost, payload)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		answer, err = readAnswer(resp, id)
		return err
	})
	if err != nil {
		return err
	}
	if answer.Error != nil {
		answer.Error.Status = http.StatusOK
		return answer.Error
	}
	if out != nil && len(answer.Result) > 0 {
		if err := json.Unmarshal(answer.Result, out); err != nil {
			return fmt.Errorf("plexmcp: decoding the result of %s: %w", method, err)
		}
	}
	return nil
}

// Notify sends a JSON-RPC notification (no answer expected).
func (m *MCPSession) Notify(ctx context.Context, method string, params interface{}) error {
	payload, err := json.Marshal(rpcMessage{JSONRPC: "2.0", Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("plexmcp: encoding %s: %w", method, err)
	}
	return m.c.retrying(ctx, http.MethodPost, func(ctx context.Context) error {
		resp, err := m.exchange(ctx, http.MethodPost, payload)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	})
}

// Close ends the session on the server (DELETE); a server that keeps no sessions is fine.
func (m *MCPSession) Close(ctx context.Context) error {
	if m.SessionID() == "" {
		return nil
	}
	defer func() {
		m.mu.Lock()
		m.sessionID = ""
		m.mu.Unlock()
	}()
	return m.c.retrying(ctx, http.MethodDelete, func(ctx context.Context) error {
		resp, err := m.exchange(ctx, http.MethodDelete, nil)
		if err != nil {
			if errors.Is(err, errMethodNotAllowed) {
				return nil // the server does not let clients end sessions
			}
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	})
}

var errMethodNotAllowed = errors.New("plexmcp: method not allowed")

// exchange sends one message with the session's headers and returns a successful response,
// keeping the session id the server assigned; a refusal becomes its typed error.
func (m *MCPSession) exchange(ctx context.Context, method string, payload []byte) (*http.Response, error) {
	header := http.Header{"Accept": {"application/json, text/event-stream"}}
	if payload != nil {
		header.Set("Content-Type", "application/json")
	}
	m.mu.Lock()
	if m.sessionID != "" {
		header.Set("Mcp-Session-Id", m.sessionID)
	}
	if m.protocolVersion != "" {
		header.Set("MCP-Protocol-Version", m.protocolVersion)
	}
	m.mu.Unlock()
	resp, err := m.c.send(ctx, method, m.url, payload, header)
	if err != nil {
		return nil, err
	}
	if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
		m.mu.Lock()
		m.sessionID = id
		m.mu.Unlock()
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	if method == http.MethodDelete && resp.StatusCode == http.StatusMethodNotAllowed {
		return nil, errMethodNotAllowed
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var rpc rpcMessage
	if json.Unmarshal(raw, &rpc) == nil && rpc.JSONRPC != "" && rpc.Error != nil {
		rpc.Error.Status = resp.StatusCode
		return nil, rpc.Error
	}
	var env envelope
	_ = json.Unmarshal(raw, &env)
	return nil, newAPIError(resp.StatusCode, env.Error, resp.Header)
}

// readAnswer finds the response to id in a JSON body (one message or a batch) or an SSE stream.
func readAnswer(resp *http.Response, id json.RawMessage) (*rpcMessage, error) {
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mediaType == "text/event-stream" {
		found, err := scanEvents(resp.Body, id)
		if err != nil || found != nil {
			return found, err
		}
		return nil, newAPIError(resp.StatusCode, &wireError{Message: "The event stream ended without an answer"}, resp.Header)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if found := matching(raw, id); found != nil {
		return found, nil
	}
	return nil, newAPIError(resp.StatusCode, &wireError{Message: "Unexpected MCP response shape"}, resp.Header)
}

// scanEvents reads "message" events as they arrive until one answers id.
func scanEvents(body io.Reader, id json.RawMessage) (*rpcMessage, error) {
	scanner := bufio.NewScanner(body)
	scanner.Buffer(make([]byte, 64*1024), 16*1024*1024)
	event, data := "message", []string{}
	for scanner.Scan() {
		line := strings.TrimSuffix(scanner.Text(), "\r")
		switch {
		case line == "":
			if len(data) > 0 && event == "message" {
				if found := matching([]byte(strings.Join(data, "\n")), id); found != nil {
					return found, nil
				}
			}
			event, data = "message", data[:0]
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				event = value
			case "data":
				data = append(data, value)
			}
		}
	}
	return nil, scanner.Err()
}

func matching(raw []byte, id json.RawMessage) *rpcMessage {
	raw = bytes.TrimSpace(raw)
	var batch []rpcMessage
	if len(raw) > 0 && raw[0] == '[' {
		if json.Unmarshal(raw, &batch) != nil {
			return nil
		}
	} else {
		var one rpcMessage
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		batch = []rpcMessage{one}
	}
	for i := range batch {
		if batch[i].Method == "" && bytes.Equal(bytes.TrimSpace(batch[i].ID), id) {
			return &batch[i]
		}
	}
	return nil
}
