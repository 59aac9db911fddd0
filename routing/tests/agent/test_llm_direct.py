"""LLM calls without LangChain's run machinery (`OllamaChat.areply`), over real HTTP.

`areply` must answer exactly what `ainvoke` answers: the same text, token counts and
Ollama metadata (the `done` check, metering and the ledger read them), streamed only
when a run streams its final answer to a client.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel
from typing_extensions import TypedDict

from ollama_testserver import Reply
from routing.ollama import chat_models as llm

MODEL = "llama3.2:3b"
QUESTION = [SystemMessage("Be brief."), HumanMessage("Why is the sky blue?")]
ANSWER = "Rayleigh scattering favours the short blue wavelengths of sunlight."


class Verdict(BaseModel):
    label: str


def _same_reply(direct, invoked) -> None:
    assert direct.content == invoked.content
    assert direct.usage_metadata == invoked.usage_metadata
    # The same keys; the durations are the test server's own clock, the rest is equal.
    assert set(direct.response_metadata) == set(invoked.response_metadata)
    for key in ("done", "done_reason", "model", "model_provider", "model_name"):
        assert direct.response_metadata.get(key) == invoked.response_metadata.get(key), key
    assert direct.response_metadata["done"] is True
    assert direct.response_metadata["eval_duration"] > 0


async def test_a_plain_call_answers_what_ainvoke_answers_in_one_json_reply(ollama):
    ollama.set_default(Reply(content=ANSWER, eval_count=9))
    client = llm.chat_model(MODEL)

    invoked = await client.ainvoke(QUESTION)
    direct = await client.areply(QUESTION)

    _same_reply(direct, invoked)
    assert [r.body["stream"] for r in ollama.chat_requests] == [False, False]


async def test_a_structured_call_sends_its_schema_as_ainvoke_does(ollama):
    ollama.on_structured(Reply(content='{"label": "fine"}'))
    binding = llm.structured_model(MODEL, Verdict)
    client, kwargs, final = llm._direct(binding)

    invoked = await binding.ainvoke(QUESTION)
    direct = await client.areply(QUESTION, **kwargs)

    _same_reply(direct, invoked)
    assert not final
    first, second = (r.body for r in ollama.chat_requests)
    assert first == second
    assert first["format"] == Verdict.model_json_schema()


async def test_a_streamed_call_hands_over_each_chunk_and_returns_the_whole_reply(ollama):
    ollama.set_default(Reply(content=ANSWER))
    client = llm.chat_model(MODEL, final=True).bound
    chunks: list[str] = []

    direct = await client.areply(QUESTION, on_text=chunks.append)
    invoked = await client.ainvoke(QUESTION)

    assert len(chunks) > 1
    assert "".join(chunks) == ANSWER
    _same_reply(direct, invoked)
    assert ollama.chat_requests[0].body["stream"] is True


class _State(TypedDict, total=False):
    answer: str


def _one_call_graph():
    async def answer(state: _State) -> dict:
        reply = await llm.call(llm.chat_model(MODEL, final=True), QUESTION, model=MODEL)
        return {"answer": llm.text_of(reply)}

    builder = StateGraph(_State)
    builder.add_node("answer", answer)
    builder.add_edge(START, "answer")
    builder.add_edge("answer", END)
    return builder.compile()


async def test_a_final_answer_streams_only_in_a_run_that_streams_it(ollama):
    ollama.set_default(Reply(content=ANSWER))
    graph = _one_call_graph()

    state = await graph.ainvoke({})
    assert state["answer"] == ANSWER
    assert ollama.chat_requests[-1].body["stream"] is False

    texts = [
        data[llm.FINAL_TEXT_KEY]
        async for mode, data in graph.astream(
            {}, llm.streaming_config({}), stream_mode=["custom", "values"]
        )
        if mode == "custom"
    ]
    assert len(texts) > 1
    assert "".join(texts) == ANSWER
    assert ollama.chat_requests[-1].body["stream"] is True


async def test_tool_bound_clients_keep_the_langchain_path(ollama):
    assert llm._direct(llm.tool_model(MODEL, [Verdict])) is None
    assert llm._direct(llm.chat_model(MODEL)) == (llm.chat_model(MODEL), {}, False)
    client, kwargs, final = llm._direct(llm.chat_model(MODEL, final=True))
    assert (client, kwargs, final) == (llm.chat_model(MODEL, final=True).bound, {}, True)
