"""Compute-time metering: the figures equal what the Ollama test servers reported."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from core.redis_client import sync_redis
from metrics import fleet_metrics, store
from metrics.prometheus import render
from routing.ollama import chat_models as llm
from routing.ollama.metering import DURATION_KEYS, compute_meter
from routing.tests.fakes import fake_search  # noqa: F401  (shared fixture)

HI = [HumanMessage("hi")]
MODEL = "llama3.2:3b"
NS = 1e9


def compute_of(server) -> float:
    return sum(
        (m.load_duration + m.prompt_eval_duration + m.eval_duration) / NS
        for m in server.reported_metrics
    )


async def test_compute_seconds_add_up_to_what_the_servers_reported(pair):
    with compute_meter() as meter:
        for _ in range(4):
            await llm.call(llm.chat_model(MODEL), HI, model=MODEL)

    assert meter.calls == 4
    assert meter.seconds == pytest.approx(sum(compute_of(server) for server in pair))
    assert all(server.reported_metrics for server in pair)


async def test_prometheus_has_compute_ttft_and_speed_per_model_and_backend(pair):
    for _ in range(4):
        await llm.call(llm.chat_model(MODEL), HI, model=MODEL)
    await store.aflush()  # the samples go with the request's next metrics write

    recorded = store.decode_hash(sync_redis().hgetall(fleet_metrics.LLM_COMPUTE))
    for server in pair:
        assert float(recorded[store.field(MODEL, server.url)]) == pytest.approx(compute_of(server))
    text = render().decode()
    for server in pair:
        labels = f'backend="{server.url}"'
        assert f'gateway_ollama_backend_calls_total{{{labels},outcome="ok"}} 2.0' in text
        assert (
            f'gateway_llm_time_to_first_token_seconds_count{{{labels},model="{MODEL}"}} 2.0' in text
        )
        assert f'gateway_llm_output_tokens_per_second_count{{{labels},model="{MODEL}"}} 2.0' in text
        assert f'gateway_ollama_backend_state{{{labels},state="up"}} 1.0' in text
        assert f"gateway_ollama_queue_wait_seconds_count{{{labels}}} 2.0" in text


async def test_calls_outside_a_request_meter_nothing(pair):
    await llm.call(llm.chat_model(MODEL), HI, model=MODEL)  # no meter: nothing to add to

    with compute_meter() as meter:
        pass

    assert (meter.seconds, meter.calls) == (0.0, 0)


@pytest.mark.parametrize("intent", ["general", "analysis", "search"])
async def test_the_agent_state_sums_ollamas_timings_over_every_call(pair, intent, fake_search):  # noqa: F811
    from routing.agent.graph import get_graph, run_config
    from routing.agent.runner import initial_state
    from routing.tests.agent.server_script import classify_as, decompose_into

    for server in pair:
        classify_as(server, intent, "complex")
        decompose_into(server, "What is a tide?", "Why does the moon matter?")

    state = await get_graph().ainvoke(initial_state("Explain the tides.", []), run_config())

    calls = sum(len(server.reported_metrics) for server in pair)
    assert calls >= 2
    assert state["compute_seconds"] == pytest.approx(sum(compute_of(s) for s in pair))
    reported = [m for server in pair for m in server.reported_metrics]
    assert state["durations"] == {
        key: sum(getattr(m, key) for m in reported) for key in DURATION_KEYS
    }
