// The web chat of `qa serve`. Every text from the server goes into the page through
// textContent or a text node, never as markup: a document holding <script> shows as text.
"use strict";

// epoch: how many times New conversation was pressed; an answer asked before the last press
// belongs to a forgotten conversation and is dropped.
const state = { conversation: null, epoch: 0, asked: [], back: 0, busy: false, corpus: "" };
const READY_POLL_MS = 2000;  // while the store is built, how often the page asks if it is ready
const UNREACHABLE = "could not reach the qa server - is qa serve still running? " +
  "Ask again once it is.";
const SIGNED_OUT = "this server needs you to sign in again (the session ended, or the " +
  "server was restarted with another token) - reload the page to sign in.";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

async function call(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {  // no answer at all: the server stopped, or the network is down
    const error = new Error(UNREACHABLE);
    error.status = 0;
    throw error;
  }
  let data = {};
  try {
    data = await response.json();
  } catch (e) {
    data = { error: "the server sent no JSON (status " + response.status + ")" };
  }
  if (!response.ok) {
    // A 401's own message is for API clients (send a Bearer token); a person signs in again.
    const message = response.status === 401 ? SIGNED_OUT : data.error;
    const error = new Error(message || "request failed with status " + response.status);
    error.status = response.status;
    throw error;
  }
  return data;
}

async function openConversation() {
  const epoch = state.epoch;
  const data = await call("POST", "/api/conversations", {});
  if (epoch === state.epoch) state.conversation = data.conversation;
  return data.conversation;
}

async function inConversation(step, body) {
  const epoch = state.epoch;
  const key = state.conversation || await openConversation();
  try {
    return await call("POST", "/api/conversations/" + key + "/" + step, body);
  } catch (error) {
    // Ended by New conversation meanwhile: not asked again in the new one.
    if (error.status !== 404 || epoch !== state.epoch) throw error;
    if (step !== "ask") {  // the server's message names the API call to make; a person asks
      state.conversation = null;
      throw new Error("this conversation was forgotten (idle too long, or the server " +
                      "restarted) - ask your question again");
    }
    const again = await openConversation();  // forgotten after a long idle: start again
    const answer = await call("POST", "/api/conversations/" + again + "/" + step, body);
    answer.restarted = true;  // said on the page: a "he" here no longer means anyone earlier
    return answer;
  }
}

// The sentence with its matched words emphasised: text nodes and <em>s, no markup parsed.
// The ranges count characters (code points), as the server does; a JavaScript string counts
// UTF-16 units, two for an emoji, so the text is cut as an array of characters.
function sentence(text, ranges) {
  const chars = Array.from(text);
  const part = (start, end) => chars.slice(start, end).join("");
  const mark = el("mark", "answer");
  let at = 0;
  for (const [start, end] of ranges || []) {
    if (start < at || end > chars.length) continue;
    mark.appendChild(document.createTextNode(part(at, start)));
    mark.appendChild(el("em", "", part(start, end)));
    at = end;
  }
  mark.appendChild(document.createTextNode(part(at)));
  return mark;
}

function count(n, noun) {
  return n.toLocaleString("en") + " " + noun + (n === 1 ? "" : "s");
}

function where(hit) {
  const parts = [];
  if (hit.speaker) parts.push(hit.speaker + " said");
  parts.push(hit.title && hit.title !== hit.source ? hit.title + " (" + hit.source + ")" : hit.source);
  if (hit.page !== null && hit.page !== undefined) parts.push("page " + hit.page);
  if (hit.section && hit.section.length) parts.push("section " + hit.section.join(" › "));
  parts.push("paragraph " + hit.paragraph);  // counted from 1 in the JSON
  parts.push("score " + hit.score.toFixed(2));
  return parts.join(" · ");
}

function showAnswer(turn, answer) {
  if (answer.restarted) {
    turn.appendChild(el("p", "restarted", "The earlier conversation was forgotten (idle too " +
                        "long): this question was asked on its own."));
  }
  if (answer.understood_as && answer.understood_as !== answer.question) {
    turn.appendChild(el("p", "understood", "understood as: " + answer.understood_as));
  }
  if (!answer.abstained && answer.message) {
    turn.appendChild(el("p", "declined", answer.message));  // a note: "Putin is not named ..."
  }
  if (answer.confidence === "low") {
    turn.classList.add("tentative");
    turn.appendChild(el("p", "tentative-mark",
      "Tentative: these are the closest sentences found, but they may not answer the question."));
  }
  if (answer.abstained) {
    turn.appendChild(el("p", "declined", answer.message));
    return;
  }
  answer.hits.forEach((hit, i) => {
    const item = el("section", "hit");
    const context = el("p", "context");
    if (hit.context_before.length) context.appendChild(el("span", "before", hit.context_before.join(" ") + " "));
    context.appendChild(sentence(hit.text, (answer.matches || [])[i]));
    if (hit.context_after.length) context.appendChild(el("span", "after", " " + hit.context_after.join(" ")));
    item.appendChild(context);
    item.appendChild(el("p", "source", where(hit)));
    turn.appendChild(item);
  });
}

function newTurn(title, kind) {
  const turn = el("article", "turn " + kind);
  turn.appendChild(el("h2", "question", title));
  const log = document.getElementById("log");
  log.appendChild(turn);
  return turn;
}

async function run(title, kind, step, body) {
  if (state.busy) return;
  state.busy = true;
  setStatus("Thinking…");
  const turn = newTurn(title, kind);
  try {
    const epoch = state.epoch;
    const answer = await inConversation(step, body);
    if (epoch === state.epoch) {  // else the turn was cleared with its conversation
      showAnswer(turn, answer);
      document.getElementById("more").disabled = false;
    }
    setStatus(state.corpus);
  } catch (error) {
    turn.appendChild(el("p", "error", error.message));
    setStatus(state.corpus);
  } finally {
    state.busy = false;
    turn.scrollIntoView({ block: "start" });
    document.getElementById("question").focus();
  }
}

function ask(event) {
  event.preventDefault();
  const input = document.getElementById("question");
  const question = input.value.trim();
  // While an answer is on its way the question stays in the box, to be asked after it.
  if (!question || state.busy) return;
  state.asked.push(question);
  state.back = 0;
  input.value = "";
  run(question, "asked", "ask", { question });
}

function more() {
  const last = state.asked[state.asked.length - 1] || "";
  run("More: " + last, "more", "more", {});
}

async function fresh() {
  const old = state.conversation;
  state.conversation = null;
  state.epoch += 1;
  document.getElementById("log").replaceChildren();
  document.getElementById("more").disabled = true;
  setStatus("New conversation: the next question stands alone.");
  document.getElementById("question").focus();
  if (old) {
    try { await call("DELETE", "/api/conversations/" + old); } catch (e) { /* gone already */ }
  }
}

function recall(event) {
  const input = document.getElementById("question");
  if (event.key === "ArrowUp" && state.asked.length) {
    state.back = Math.min(state.back + 1, state.asked.length);
    input.value = state.asked[state.asked.length - state.back];
    event.preventDefault();
  } else if (event.key === "ArrowDown" && state.back > 0) {
    state.back -= 1;
    input.value = state.back ? state.asked[state.asked.length - state.back] : "";
    event.preventDefault();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("ask").addEventListener("submit", ask);
  document.getElementById("more").addEventListener("click", more);
  document.getElementById("new").addEventListener("click", fresh);
  document.getElementById("question").addEventListener("keydown", recall);
  watchReady();
});

// The store's size once it is ready; while it is built (503), say so and ask again soon.
function watchReady() {
  call("GET", "/api/ready").then(
    (ready) => {
      state.corpus = count(ready.documents, "document") + ", " + count(ready.sentences, "sentence");
      setStatus(state.corpus);
    },
    (error) => {
      state.corpus = error.message;
      setStatus(state.corpus);
      if (error.status === 503) setTimeout(watchReady, READY_POLL_MS);
    });
}
