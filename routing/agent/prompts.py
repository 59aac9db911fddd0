"""Prompts and user-facing texts (English and Korean), and picking the user's language."""

from __future__ import annotations

import unicodedata

CLASSIFIER_SYSTEM = """You route user questions for an AI gateway. Classify the LAST user \
message (earlier turns are context only).

intent:
- search: needs fresh or factual information from the web (news, prices, weather, recent \
events, "latest", "today", looking something up).
- analysis: multi-step reasoning, comparison, pros and cons, explaining causes or trade-offs.
- creative: writing stories, poems, slogans or other content, or tasks that need tools \
(calculations, current date/time, summarising a URL).
- general: everything else: greetings, simple questions, definitions, short help.

complexity: "simple" for short, direct questions; "complex" when the answer needs depth, \
several steps or long output.
confidence: how sure you are, from 0.0 to 1.0.

Reply with JSON only: {"intent": "...", "confidence": 0.0, "complexity": "..."}"""

GENERAL_SYSTEM = """You are a helpful assistant. Answer clearly and accurately, concisely \
unless depth is needed. Reply in the language of the user's question."""

CREATIVE_SYSTEM = """You are a creative, resourceful assistant. Write what the user asks \
for. You may call tools when they help: search_web for fresh facts, calculate for exact \
arithmetic, get_datetime for the current date or time, summarize_url to read a web page. \
Use tool results faithfully. Reply in the language of the user's question."""

CREATIVE_LAST_ROUND = """You have used all your tool calls. Do not call any more tools: \
write the final answer now from what you have."""

REFINER_SYSTEM = """Rewrite the user's last message as one concise web search query \
(at most 12 words), resolving references to earlier turns. Reply with the query only, no \
quotes, no explanation."""

SEARCH_SYNTH_SYSTEM = """You answer using the web search results below. Cite sources \
inline as [1], [2] matching the numbers, and do not invent sources. If the results do not \
answer the question, say so. Reply in the language of the user's question.

Search results:
{results}"""

SEARCH_UNAVAILABLE_SYSTEM = """Live web search is unavailable right now. Tell the user \
that live results were unavailable, then answer from your own knowledge and say it may be \
out of date. Reply in the language of the user's question."""

SEARCH_NO_RESULTS = "(the search returned no results)"

DECOMPOSER_SYSTEM = """Break the user's question into 2 to 4 self-contained \
sub-questions that together cover it. Reply with JSON only: \
{"sub_questions": ["...", "..."]}"""

RESEARCHER_SYSTEM = """Answer this sub-question factually in a short paragraph. It is one \
part of a larger analysis, so stay focused on it."""

ANALYSIS_SYNTH_SYSTEM = """Write a well-structured analysis answering the user's question, \
building on the research notes below (sub-question and findings). Compare, weigh \
trade-offs and conclude. Reply in the language of the user's question.

Research notes:
{notes}"""

# Fillers for the decomposer when the model returned fewer than two sub-questions.
DECOMPOSER_PADDING = (
    "What are the key facts and background of: {query}",
    "What are the main implications, trade-offs or open questions of: {query}",
)

# --- texts shown to the user, by language -------------------------------------------------
SEARCH_UNAVAILABLE_NOTE = {
    "en": "Note: live web results were unavailable, so this answer is from the model's own "
    "knowledge and may be out of date.",
    "ko": "참고: 실시간 웹 검색 결과를 가져올 수 없어, 모델이 알고 있는 정보로 답변합니다. "
    "최신 정보가 아닐 수 있습니다.",
}

REFUSALS = {
    "input_too_long": {
        "en": "Sorry, your message is too long for me to process. Please shorten it and try again.",
        "ko": "죄송합니다. 메시지가 너무 길어 처리할 수 없습니다. 내용을 줄여서 다시 "
        "시도해 주세요.",
    },
    "prompt_injection": {
        "en": "Sorry, I can't help with that request. I can't change or reveal my "
        "instructions, but I'm happy to help with something else.",
        "ko": "죄송합니다. 해당 요청은 도와드릴 수 없습니다. 제 지침을 변경하거나 공개할 수는 "
        "없지만, 다른 질문은 기꺼이 도와드리겠습니다.",
    },
    "harmful_content": {
        "en": "Sorry, I can't help with that request because it could cause harm. I'm happy "
        "to help with something else.",
        "ko": "죄송합니다. 해당 요청은 해를 끼칠 수 있어 도와드릴 수 없습니다. 다른 질문은 "
        "기꺼이 도와드리겠습니다.",
    },
}

FALLBACKS = {
    "search": {
        "en": "Sorry, I couldn't put together an answer from a web search just now. Please "
        "try again, or rephrase your question.",
        "ko": "죄송합니다. 지금은 웹 검색으로 답변을 만들지 못했습니다. 잠시 후 다시 "
        "시도하시거나 질문을 바꿔 주세요.",
    },
    "analysis": {
        "en": "Sorry, I couldn't complete this analysis. Try breaking the question into "
        "smaller parts, or ask again in a moment.",
        "ko": "죄송합니다. 분석을 완료하지 못했습니다. 질문을 더 작은 부분으로 나누어 "
        "보시거나 잠시 후 다시 시도해 주세요.",
    },
    "creative": {
        "en": "Sorry, I couldn't create that just now. Please try again, perhaps with a few "
        "more details about what you'd like.",
        "ko": "죄송합니다. 지금은 요청하신 내용을 만들지 못했습니다. 원하시는 내용을 조금 더 "
        "자세히 알려 주시고 다시 시도해 주세요.",
    },
    "general": {
        "en": "Sorry, I couldn't produce a good answer just now. Please try again or "
        "rephrase your question.",
        "ko": "죄송합니다. 지금은 적절한 답변을 드리지 못했습니다. 다시 시도하시거나 질문을 "
        "바꿔 주세요.",
    },
}


def is_mostly_hangul(text: str) -> bool:
    """True when at least half of the letters in `text` are Hangul."""
    letters = hangul = 0
    for char in text:
        if char.isalpha():
            letters += 1
            if "HANGUL" in unicodedata.name(char, ""):
                hangul += 1
    return letters > 0 and hangul * 2 >= letters


def localized(texts: dict[str, str], query: str) -> str:
    """The Korean text for a mostly-Hangul query, else the English one."""
    return texts["ko"] if is_mostly_hangul(query) else texts["en"]
