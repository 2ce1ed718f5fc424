package ec2sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/neogenesys/console/providers/sim"
)

// The simulated Systems Manager Run Command: SendCommand (document
// AWS-RunShellScript only), GetCommandInvocation and CancelCommand, in SSM's
// AWS JSON 1.1 protocol (POST /, X-Amz-Target: AmazonSSM.<Operation>, JSON
// bodies, errors as {"__type": "com.amazonaws.ssm#Code", "message": …}),
// SigV4-signed for service "ssm" and checked as EC2 and STS calls are.
//
// SSM is regional and only reaches running instances of its region: an
// unknown, stopped or other-region instance is InvalidInstanceId, as real SSM
// answers for any instance it cannot command. The commands are "run" when
// sent, by a tiny deterministic sh (see ssmShell): every simple command run
// is recorded for SSMCommands; echo, printf, cat, base64 -d, true, false,
// exit, set -e, sleep, sh -c and sh -s behave, anything else succeeds
// silently. GetCommandInvocation answers InProgress on the first poll (and
// while a sleep lasts), then the outcome: Success or Failed with the exit
// status as ResponseCode, TimedOut past the executionTimeout parameter,
// Cancelled after CancelCommand. Output is capped as SSM caps it: 24,000
// characters of stdout, 8,000 of stderr.

// Output limits of GetCommandInvocation, in characters.
const (
	ssmStdoutChars = 24000
	ssmStderrChars = 8000
)

// SSMInvocation is one command sent to one instance, as the simulator saw it.
type SSMInvocation struct {
	CommandID string
	Region    string
	Script    string // the commands parameter, lines joined by "\n"
	Status    string // Pending, InProgress, Success, Failed, Cancelled, TimedOut

	sent    time.Time
	lasts   time.Duration
	timeout time.Duration
	polls   int
	code    int
	stdout  string
	stderr  string
}

// ssmState is a Server's Run Command state. It lives beside the Server
// rather than in it so that server.go only gained the routing line.
type ssmState struct {
	mu       sync.Mutex
	inv      map[string]map[string]*SSMInvocation // command id → instance id →
	ran      map[string][]string                  // instance id → simple commands run
	throttle int
}

var ssmStates sync.Map // *Server → *ssmState

func (s *Server) ssm() *ssmState {
	if st, ok := ssmStates.Load(s); ok {
		return st.(*ssmState)
	}
	st, _ := ssmStates.LoadOrStore(s, &ssmState{inv: map[string]map[string]*SSMInvocation{}, ran: map[string][]string{}})
	return st.(*ssmState)
}

// SSMCommands returns the simple commands run on an instance through Run
// Command, in order, each as its words joined by spaces (quotes removed);
// the commands of scripts run by sh -c and sh -s are included.
func (s *Server) SSMCommands(instanceID string) []string {
	st := s.ssm()
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.ran[instanceID])
}

// SSMInvocations returns the commands sent to an instance, oldest first.
func (s *Server) SSMInvocations(instanceID string) []SSMInvocation {
	st := s.ssm()
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []SSMInvocation
	for _, byInst := range st.inv {
		if inv, ok := byInst[instanceID]; ok {
			st.advance(inv, false)
			out = append(out, *inv)
		}
	}
	slices.SortFunc(out, func(a, b SSMInvocation) int { return a.sent.Compare(b.sent) })
	return out
}

// ThrottleSSM makes the next n SSM calls answer ThrottlingException.
func (s *Server) ThrottleSSM(n int) {
	st := s.ssm()
	st.mu.Lock()
	st.throttle = n
	st.mu.Unlock()
}

// isSSM tells the requests serve hands to serveSSM.
func isSSM(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
}

func writeSSMError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", requestID())
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.ssm#" + e.Code, "message": e.Message})
	w.Write(b)
}

func writeSSM(w http.ResponseWriter, doc any) {
	b, err := json.Marshal(doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", requestID())
	w.Write(b)
}

// authenticateSSM checks the signature with the EC2 side's checker; the
// errors are SSM's.
func (s *Server) authenticateSSM(r *http.Request, body []byte) (scope, *apiError) {
	bad := func(code, msg string) (scope, *apiError) { return scope{}, errBadRequest(code, msg) }
	h := r.Header.Get("Authorization")
	if h == "" {
		return bad("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return bad("IncompleteSignatureException", "Authorization header requires Credential, SignedHeaders and Signature parameters.")
	}
	if a.Scope.Service != "ssm" {
		return bad("InvalidSignatureException", "Credential should be scoped to correct service: 'ssm'.")
	}
	t, err := requestTime(r, a)
	if err != nil {
		return bad("IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope.")
	}
	if d := time.Since(t); d > s.opts.MaxSkew || d < -s.opts.MaxSkew {
		return bad("InvalidSignatureException", "Signature expired: "+r.Header.Get("X-Amz-Date")+" is now earlier or later than allowed.")
	}
	_, secret, token, ok := s.lookupKey(a.Scope.AccessKey)
	if !ok || token != r.Header.Get("X-Amz-Security-Token") {
		return bad("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	if !slices.Contains(a.SignedHeaders, "x-amz-date") || token != "" && !slices.Contains(a.SignedHeaders, "x-amz-security-token") ||
		!slices.Contains(a.SignedHeaders, "x-amz-target") || !validSignature(r, body, a, secret) {
		return bad("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. "+
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	if !slices.Contains(s.regions(), a.Scope.Region) {
		return bad("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	return a.Scope, nil
}

func (s *Server) serveSSM(w http.ResponseWriter, r *http.Request, body []byte) {
	if len(body) > maxBody {
		writeSSMError(w, errBadRequest("ValidationException", "request body too large"))
		return
	}
	sc, aerr := s.authenticateSSM(r, body)
	if aerr != nil {
		writeSSMError(w, aerr)
		return
	}
	st := s.ssm()
	st.mu.Lock()
	throttled := st.throttle > 0
	if throttled {
		st.throttle--
	}
	st.mu.Unlock()
	if throttled {
		writeSSMError(w, errBadRequest("ThrottlingException", "Rate exceeded"))
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") {
		writeSSMError(w, errBadRequest("SerializationException", "expected a POST of application/x-amz-json-1.1"))
		return
	}
	var doc any
	var err *apiError
	switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM."); op {
	case "SendCommand":
		doc, err = s.sendCommand(sc.Region, body)
	case "GetCommandInvocation":
		doc, err = s.getCommandInvocation(sc.Region, body)
	case "CancelCommand":
		doc, err = s.cancelCommand(sc.Region, body)
	default:
		err = errBadRequest("UnknownOperationException", "operation "+op+" is not simulated")
	}
	if err != nil {
		writeSSMError(w, err)
		return
	}
	writeSSM(w, doc)
}

func decodeSSM(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errBadRequest("SerializationException", "cannot parse the request: "+err.Error())
	}
	return nil
}

func (s *Server) sendCommand(region string, body []byte) (any, *apiError) {
	var in struct {
		DocumentName   string
		InstanceIds    []string
		Parameters     map[string][]string
		TimeoutSeconds int
		Comment        string
	}
	if err := decodeSSM(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.DocumentName != "AWS-RunShellScript":
		return nil, errBadRequest("InvalidDocument", "document "+in.DocumentName+" is not simulated (only AWS-RunShellScript)")
	case len(in.InstanceIds) == 0 || len(in.InstanceIds) > 50:
		return nil, errBadRequest("ValidationException", "InstanceIds must hold 1 to 50 instance ids")
	case len(in.Parameters["commands"]) == 0:
		return nil, errBadRequest("InvalidParameters", "Parameter \"commands\" is required.")
	case in.TimeoutSeconds != 0 && (in.TimeoutSeconds < 30 || in.TimeoutSeconds > 2592000):
		return nil, errBadRequest("ValidationException", "TimeoutSeconds must be between 30 and 2592000")
	}
	timeout := 3600 * time.Second
	if v := in.Parameters["executionTimeout"]; len(v) > 0 {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > 172800 {
			return nil, errBadRequest("InvalidParameters", "Parameter \"executionTimeout\" must be 1 to 172800 seconds.")
		}
		timeout = time.Duration(n) * time.Second
	}
	for _, id := range in.InstanceIds {
		vm, err := s.Fleet.Get(id)
		if err != nil || vm.Region != region || vm.State != sim.Running {
			return nil, errBadRequest("InvalidInstanceId", "Instances ["+id+"] not in a valid state for account "+s.opts.AccountID)
		}
	}
	script := strings.Join(in.Parameters["commands"], "\n")
	cmdID := requestID()
	now := time.Now()
	st := s.ssm()
	st.mu.Lock()
	defer st.mu.Unlock()
	byInst := map[string]*SSMInvocation{}
	for _, id := range in.InstanceIds {
		sh := &ssmShell{}
		code := sh.run(script, nil)
		st.ran[id] = append(st.ran[id], sh.ran...)
		byInst[id] = &SSMInvocation{
			CommandID: cmdID, Region: region, Script: script, Status: "Pending",
			sent: now, lasts: sh.slept, timeout: timeout, code: code,
			stdout: capChars(sh.stdout.String(), ssmStdoutChars),
			stderr: capChars(sh.stderr.String(), ssmStderrChars),
		}
	}
	st.inv[cmdID] = byInst
	out := map[string]any{"Command": map[string]any{
		"CommandId":         cmdID,
		"DocumentName":      in.DocumentName,
		"InstanceIds":       in.InstanceIds,
		"Parameters":        in.Parameters,
		"Comment":           in.Comment,
		"Status":            "Pending",
		"StatusDetails":     "Pending",
		"RequestedDateTime": float64(now.UnixMilli()) / 1000,
		"TargetCount":       len(in.InstanceIds),
	}}
	return out, nil
}

// advance moves an invocation on: polled says a GetCommandInvocation asks.
func (st *ssmState) advance(inv *SSMInvocation, polled bool) {
	if polled {
		inv.polls++
	}
	switch inv.Status {
	case "Pending", "InProgress":
	default:
		return
	}
	elapsed := time.Since(inv.sent)
	switch {
	case inv.lasts > inv.timeout && elapsed >= inv.timeout:
		inv.Status = "TimedOut"
	case inv.polls >= 2 && elapsed >= inv.lasts:
		inv.Status = "Success"
		if inv.code != 0 {
			inv.Status = "Failed"
		}
	case inv.polls >= 1:
		inv.Status = "InProgress"
	}
}

func (s *Server) getCommandInvocation(region string, body []byte) (any, *apiError) {
	var in struct {
		CommandId  string
		InstanceId string
		PluginName string
	}
	if err := decodeSSM(body, &in); err != nil {
		return nil, err
	}
	if in.CommandId == "" || in.InstanceId == "" {
		return nil, errBadRequest("ValidationException", "CommandId and InstanceId are required")
	}
	st := s.ssm()
	st.mu.Lock()
	defer st.mu.Unlock()
	inv, ok := st.inv[in.CommandId][in.InstanceId]
	if !ok || inv.Region != region {
		return nil, errBadRequest("InvocationDoesNotExist", "")
	}
	st.advance(inv, true)
	out := map[string]any{
		"CommandId":             inv.CommandID,
		"InstanceId":            in.InstanceId,
		"DocumentName":          "AWS-RunShellScript",
		"PluginName":            "aws:runShellScript",
		"Status":                inv.Status,
		"StatusDetails":         inv.Status,
		"ResponseCode":          -1,
		"StandardOutputContent": "",
		"StandardErrorContent":  "",
	}
	switch inv.Status {
	case "Success", "Failed":
		out["ResponseCode"] = inv.code
		out["StandardOutputContent"] = inv.stdout
		out["StandardErrorContent"] = inv.stderr
	case "TimedOut":
		out["StatusDetails"] = "ExecutionTimedOut"
	}
	return out, nil
}

func (s *Server) cancelCommand(region string, body []byte) (any, *apiError) {
	var in struct {
		CommandId   string
		InstanceIds []string
	}
	if err := decodeSSM(body, &in); err != nil {
		return nil, err
	}
	st := s.ssm()
	st.mu.Lock()
	defer st.mu.Unlock()
	byInst, ok := st.inv[in.CommandId]
	if !ok {
		return nil, errBadRequest("InvalidCommandId", "")
	}
	for id, inv := range byInst {
		if inv.Region != region {
			return nil, errBadRequest("InvalidCommandId", "")
		}
		if len(in.InstanceIds) > 0 && !slices.Contains(in.InstanceIds, id) {
			continue
		}
		st.advance(inv, false)
		if inv.Status == "Pending" || inv.Status == "InProgress" {
			inv.Status = "Cancelled"
		}
	}
	return map[string]any{}, nil
}

// capChars keeps the first n characters of s.
func capChars(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if n == 0 {
			break
		}
		n--
		i = k
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[:i+size]
}

// ssmShell is the simulated guest's sh: deterministic, side-effect free.
// It knows words ('…', "…" with \ escapes but no expansion, \x), the
// operators | ; && ||, comments, and the redirections >&2 1>&2 2>&1 and
// </dev/null >/dev/null 2>/dev/null.
type ssmShell struct {
	ran            []string
	stdout, stderr bytes.Buffer
	slept          time.Duration
	depth          int
}

// maxShellDepth bounds sh -c / sh -s nesting.
const maxShellDepth = 8

type shToken struct {
	text   string
	op     bool // | ; && || or a newline (";")
	quoted bool
}

func shTokenize(src string) ([]shToken, error) {
	var toks []shToken
	var cur strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			toks = append(toks, shToken{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		inWord, quoted = false, false
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quoted string")
			}
			cur.WriteString(src[i+1 : i+1+j])
			inWord, quoted = true, true
			i += j + 1
		case c == '"':
			inWord, quoted = true, true
			for i++; ; i++ {
				if i >= len(src) {
					return nil, fmt.Errorf("unterminated quoted string")
				}
				if src[i] == '"' {
					break
				}
				if src[i] == '\\' && i+1 < len(src) && strings.IndexByte("\"\\$`\n", src[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(src[i])
			}
		case c == '\\' && i+1 < len(src):
			i++
			if src[i] != '\n' {
				cur.WriteByte(src[i])
				inWord = true
			}
		case c == '#' && !inWord:
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == ' ' || c == '\t':
			flush()
		case c == '\n' || c == ';':
			flush()
			toks = append(toks, shToken{text: ";", op: true})
		case c == '|' || c == '&':
			flush()
			if i+1 < len(src) && src[i+1] == c {
				toks = append(toks, shToken{text: string([]byte{c, c}), op: true})
				i++
			} else if c == '|' {
				toks = append(toks, shToken{text: "|", op: true})
			} else if len(toks) > 0 && !toks[len(toks)-1].op && strings.HasSuffix(toks[len(toks)-1].text, ">") {
				// >&2: part of the redirection word before it.
				toks[len(toks)-1].text += "&"
				cur.WriteString(toks[len(toks)-1].text)
				toks = toks[:len(toks)-1]
				inWord = true
			} else {
				return nil, fmt.Errorf("background jobs are not simulated")
			}
		default:
			if (c == '>' || c == '<') && inWord && !quoted && cur.String() != "1" && cur.String() != "2" {
				flush()
			}
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return toks, nil
}

// run runs a script with stdin and returns its exit status.
func (sh *ssmShell) run(src string, stdin []byte) int {
	toks, err := shTokenize(src)
	if err != nil {
		fmt.Fprintf(&sh.stderr, "sh: syntax error: %v\n", err)
		return 2
	}
	errexit := false
	status := 0
	skip := false // the rest of an && / || list is skipped
	var pipeline [][]shToken
	var cmd []shToken
	for i := 0; i <= len(toks); i++ {
		end := i == len(toks)
		if !end && !toks[i].op {
			cmd = append(cmd, toks[i])
			continue
		}
		op := ";"
		if !end {
			op = toks[i].text
		}
		if op == "|" {
			pipeline = append(pipeline, cmd)
			cmd = nil
			continue
		}
		pipeline = append(pipeline, cmd)
		cmd = nil
		if len(pipeline) == 1 && len(pipeline[0]) == 0 {
			pipeline = nil
			continue
		}
		if !skip {
			var exited bool
			status, exited = sh.pipeline(pipeline, stdin, &errexit)
			if exited {
				return status
			}
		}
		pipeline = nil
		switch op {
		case "&&":
			skip = skip || status != 0
		case "||":
			skip = !skip && status == 0
		default:
			if !skip && errexit && status != 0 {
				return status
			}
			skip = false
		}
	}
	return status
}

// pipeline runs commands connected by pipes; exited says exit was called.
func (sh *ssmShell) pipeline(cmds [][]shToken, stdin []byte, errexit *bool) (status int, exited bool) {
	in := stdin
	for i, c := range cmds {
		var out bytes.Buffer
		status, exited = sh.simple(c, in, &out, errexit)
		if i == len(cmds)-1 {
			sh.stdout.Write(out.Bytes())
		}
		in = out.Bytes()
		if exited && i == len(cmds)-1 {
			return status, true
		}
	}
	return status, false
}

// simple runs one command, writing its stdout to out.
func (sh *ssmShell) simple(toks []shToken, stdin []byte, out *bytes.Buffer, errexit *bool) (int, bool) {
	var args []string
	toStderr, errToOut, nullOut, nullErr := false, false, false, false
	for _, t := range toks {
		if !t.quoted {
			switch t.text {
			case ">&2", "1>&2":
				toStderr = true
				continue
			case "2>&1":
				errToOut = true
				continue
			case "</dev/null":
				stdin = nil
				continue
			case ">/dev/null", "1>/dev/null":
				nullOut = true
				continue
			case "2>/dev/null":
				nullErr = true
				continue
			}
		}
		args = append(args, t.text)
	}
	if len(args) == 0 {
		return 0, false
	}
	sh.ran = append(sh.ran, strings.Join(args, " "))
	var o, e bytes.Buffer
	code, exited := sh.builtin(args, stdin, &o, &e, errexit)
	if errToOut {
		o.Write(e.Bytes())
		e.Reset()
	}
	switch {
	case nullOut:
	case toStderr:
		sh.stderr.Write(o.Bytes())
	default:
		out.Write(o.Bytes())
	}
	if !nullErr {
		sh.stderr.Write(e.Bytes())
	}
	return code, exited
}

func (sh *ssmShell) builtin(args []string, stdin []byte, o, e *bytes.Buffer, errexit *bool) (int, bool) {
	switch args[0] {
	case "true", ":":
		return 0, false
	case "false":
		return 1, false
	case "echo":
		a := args[1:]
		nl := true
		if len(a) > 0 && a[0] == "-n" {
			a, nl = a[1:], false
		}
		o.WriteString(strings.Join(a, " "))
		if nl {
			o.WriteByte('\n')
		}
		return 0, false
	case "printf":
		if len(args) < 2 {
			e.WriteString("printf: usage: printf format [arguments]\n")
			return 2, false
		}
		f := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(args[1])
		rest := args[2:]
		if !strings.Contains(f, "%s") {
			o.WriteString(f)
			return 0, false
		}
		for first := true; first || len(rest) > 0; first = false {
			g := f
			for strings.Contains(g, "%s") {
				v := ""
				if len(rest) > 0 {
					v, rest = rest[0], rest[1:]
				}
				before, after, _ := strings.Cut(g, "%s")
				o.WriteString(before + v)
				g = after
			}
			o.WriteString(g)
		}
		return 0, false
	case "cat":
		o.Write(stdin)
		return 0, false
	case "base64":
		if len(args) < 2 || (args[1] != "-d" && args[1] != "--decode") {
			o.WriteString(base64.StdEncoding.EncodeToString(stdin) + "\n")
			return 0, false
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(stdin)), ""))
		if err != nil {
			e.WriteString("base64: invalid input\n")
			return 1, false
		}
		o.Write(b)
		return 0, false
	case "exit":
		code := 0
		if len(args) > 1 {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				e.WriteString("sh: exit: Illegal number: " + args[1] + "\n")
				return 2, true
			}
			code = n & 0xff
		}
		return code, true
	case "set":
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") && strings.Contains(a, "e") {
				*errexit = true
			}
			if strings.HasPrefix(a, "+") && strings.Contains(a, "e") {
				*errexit = false
			}
		}
		return 0, false
	case "sleep":
		if len(args) > 1 {
			if f, err := strconv.ParseFloat(args[1], 64); err == nil && f > 0 {
				sh.slept += time.Duration(f * float64(time.Second))
			}
		}
		return 0, false
	case "sh", "bash", "/bin/sh", "/bin/bash":
		if sh.depth >= maxShellDepth {
			e.WriteString("sh: too deeply nested\n")
			return 2, false
		}
		sub := &ssmShell{depth: sh.depth + 1}
		var code int
		switch {
		case len(args) >= 3 && args[1] == "-c":
			code = sub.run(args[2], stdin)
		case len(args) == 1 || args[1] == "-s" || args[1] == "-":
			code = sub.run(string(stdin), nil)
		default:
			e.WriteString(args[0] + ": " + args[1] + ": No such file or directory\n")
			return 127, false
		}
		sh.ran = append(sh.ran, sub.ran...)
		sh.slept += sub.slept
		o.Write(sub.stdout.Bytes())
		e.Write(sub.stderr.Bytes())
		return code, false
	}
	return 0, false
}
