# ruff: noqa: E501  (a regex reads best on one line; splitting them hides mistakes)
"""Input guard patterns: prompt injection and harmful requests, English and Korean.

Patterns are phrases, never single words, so innocent uses of "ignore", "system",
"previous" or "role" pass. Each has a `variant`: "text" patterns run on the normalised
text (NFKC, case-folded, zero-width characters removed, whitespace collapsed) and on its
de-spaced form ("i g n o r e" -> "ignore"); "squashed" patterns run on the text with every
space and punctuation mark removed and leetspeak undone, which is also how Korean is
matched, since Korean spacing varies. `unless` names look-alike contexts (phones,
games, food) that make a match innocent. Each pattern also keeps the literals any match
must contain (`prefilter.py`), so its regex runs only on text that holds them; the guard
(`check.py`) looks for all patterns' literals in one scan of each form of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from routing.agent.guards.prefilter import Needs, required_literals

Category = Literal["prompt_injection", "harmful_content"]

# The verb starts a command: sentence start, after punctuation, or "please", "you must"...
_CMD = (
    r"(?:^|[.!?,:;\"'(]\s*|\b(?:please|now|from now on|you(?: will| must| should| shall| are to)?"
    r"|i want you to|i need you to)\s)(?:now )?"
)
_POINTER = r"(?:prior|previous|earlier|above|preceding|foregoing|former|original|initial|system|developer|your)"
_QUALIFIER = rf"(?:all|any|every|of|the|these|those|{_POINTER}|safety|existing|current)"
_RULES = r"(?:instructions?|prompts?|rules|directions|guidelines|directives|commands|programming|guardrails|constraints|restrictions|polic(?:y|ies))"
_LIMITS = r"(?:content polic(?:y|ies)|restrictions?|limits|limitations|filters?|filtering|rules|guidelines|censorship|ethics|morals|morality|boundaries|safeguards|guardrails|constraints|policies)"
_DEVICES = r"\b(?:iphone|ipad|ios|android|phone|device|console|playstation|ps[2-5]|xbox|nintendo|switch|kindle|fire ?stick|router|roku|tablet|tesla|roblox|samsung|galaxy|pixel|game)\b"
_DEVICES_KO = (
    r"아이폰|아이패드|폰|ios|안드로이드|기기|닌텐도|스위치|플스|갤럭시|로블록스|윈도우|게임|크롬"
)
_STORIES = r"\b(?:movie|film|series|novel|book|song|album|episode)s?\b|영화|드라마|소설|노래|탈옥수|뜻|의미|이란|란 무엇|뭐야"
_ASK = r"\b(?:how (?:to|do i|do you|can i|could i|would i|should i)|steps? (?:to|for)|instructions? (?:for|on|to)|guide (?:to|for|on)|tutorial (?:on|for)|teach me (?:to|how)|help me|show me how|explain how to|(?:best|easiest|quickest|fastest|simplest|safest) ways? to|ways? to)\b"
_MAKE = r"\b(?:make|making|build|building|create|creating|assemble|assembling|construct|manufacture|cook|synthesi[sz]e|produce|brew|mix|extract|grow)\b"
_WEAPON = (
    r"(?<!bath )(?<!photo)(?<!smoke )(?<!glitter )(?<!stink )(?<!cherry )(?<!seed )(?<!yarn )(?<!flavor )(?<!flavour )\b(?:bombs?|explosives?|ieds?|pipe ?bombs?"
    r"|molotov(?: cocktails?)?|napalm|nerve (?:agent|gas)|sarin|vx gas|ricin|anthrax|mustard gas|chlorine gas"
    r"|chemical weapons?|biological weapons?|bioweapons?|dirty bombs?|detonators?|grenades?|thermite|tatp|semtex|nitroglycerine?)\b"
    r"(?![- ](?:proof|shelter|squad|disposal|sniffing|threat|calorimeter|cyclone))"
)
_MALWARE = (
    r"(?:ransomware|keylogger|malware|computer virus|virus|trojan(?: horse)?|botnet|rootkit|spyware|computer worm"
    r"|backdoor|remote access trojan|credential stealer|password stealer|info-?stealer|cryptojacker|ddos (?:tool|script|bot))"
    r"(?!\s?(?:scanners?|scan|detectors?|detection|removal|protection|analysis|analy[sz]er|cleaner|checker|simulat\w*|classifier|defen[cs]e|blocker|killer|tests?))\b"
)
_DRUGS = r"\b(?:meth(?:amphetamine)?|crystal meth|fentanyl|heroin|cocaine|crack cocaine|lsd|mdma|ecstasy|ghb|dmt|pcp)\b"
_VICTIM = r"(?:someone|somebody|a person|people|a human|my (?:wife|husband|boss|neighbou?r|mother|mom|father|dad|partner|girlfriend|boyfriend|ex|teacher|coworker|sister|brother|child|family)|him|her|them)"
# Talking about jailbreaks (research, defence) is not attempting one.
_ABOUT = r"\b(?:what (?:is|are)|how do|explain|research|paper|defen[cs]e|defend|prevent|protect|detect\w*|examples? of|history of)\b"
_KO_RULES = r"(?:지시|지침|명령어?|규칙|프롬프트|설정|가이드라인|안내|제약|제한)(?:사항|들)?"
# Particles and adverbs between "프롬프트" and its verb: anything longer changes the meaning.
_KO_FILLER = r"(?:를|을|은|는|이|가|좀|전부|모두|전체|그대로|내용|의|에|도|다){0,4}"
_KO_REVEAL = r"(?:보여|알려|출력|공개|말해|노출|유출|복사|적어|뭐|무엇|읊|공유)"


@dataclass(frozen=True)
class GuardPattern:
    name: str
    category: Category
    regex: re.Pattern[str]
    variant: Literal["text", "squashed"] = "text"
    unless: re.Pattern[str] | None = None
    # Literal sets every match contains (one member of each): the guard's prefilter
    # (prefilter.Prefilter, for all patterns at once) runs the regex only where they occur.
    needs: Needs = ()


def _p(name: str, category: Category, regex: str, variant="text", unless=None) -> GuardPattern:
    compiled = re.compile(regex)
    return GuardPattern(
        name,
        category,
        compiled,
        variant,
        re.compile(unless) if unless else None,
        required_literals(compiled),
    )


INJ: Category = "prompt_injection"
HARM: Category = "harmful_content"

# fmt: off
PATTERNS: tuple[GuardPattern, ...] = (
    # --- prompt injection, English -----------------------------------------------------
    _p("ignore_instructions", INJ, rf"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|discard)\b(?: {_QUALIFIER}\b){{0,3}} {_POINTER}\b(?: {_QUALIFIER}\b){{0,2}} {_RULES}\b"),
    _p("ignore_instructions", INJ, rf"\b(?:ignore|disregard|forget|override)\b (?:all |any )?(?:of )?(?:the |these )?(?:{_RULES}|text|context|messages?|content) (?:above|before this|given (?:above|earlier)|you (?:got|received|were given|have been given|were told)|so far)\b"),
    _p("ignore_instructions", INJ, r"(?:ignore|disregard|forget|override|bypass)(?:all|any)?(?:of)?(?:the|your)?(?:previous|prior|above|earlier|preceding|system)(?:instructions?|prompts?|rules|directions|guidelines|directives|commands)", "squashed"),
    _p("ignore_safety_rules", INJ, rf"{_CMD}(?:ignore|disregard|forget|bypass|override)\b(?: (?:all|any|of|the|your))* (?:safety|ethical|ethics|content|moral|security) {_RULES}\b"),
    _p("disregard_above", INJ, rf"{_CMD}(?:ignore|disregard|forget)\b (?:all |everything |anything |whatever |what )?(?:(?:the|that|was|is|you|were|have|been|i|said|written|told|stated|given)\s){{0,4}}(?:above|before|previously|so far|up to (?:now|this point)|until now)\b"),
    _p("reveal_system_prompt", INJ, r"\b(?:reveal|show|print|display|repeat|output|leak|dump|expose|share|tell me|give me|write out|spell out|recite|list)\b(?: me)?(?: (?:all|the|your|of|exact|full|entire|complete|original|initial|hidden|secret|internal|verbatim))* (?:system|initial|original|hidden|secret|internal|developer|pre-?prompt|starting|base) ?(?:prompt|instructions?|message|directives|rules|guidelines)\b"),
    _p("reveal_system_prompt", INJ, r"\b(?:reveal|show|print|display|repeat|output|leak|dump|tell me|give me|write out)\b.{0,30}\b(?:prompt|instructions)\b (?:you (?:were|have been) given|you received|given to you)\b"),
    _p("reveal_system_prompt", INJ, r"\bwhat (?:is|are|was|were) your (?:exact |full |original |initial |hidden |secret )*(?:system prompt|system instructions|instructions|initial prompt|hidden prompt|rules)\b(?! (?:for|on|about|to|of)\b)|\bwhat (?:were|was) you (?:told|instructed|given) (?:before|at the start|initially)\b|\bwhat (?:instructions|rules|directives|prompt) (?:were|have) you (?:been )?(?:given|told)\b"),
    _p("reveal_your_instructions", INJ, r"\b(?:print|show|reveal|repeat|output|display|dump|leak|recite|list|tell me|give me|share|write out)\b (?:me )?(?:all )?(?:of )?your (?:exact |full |entire |complete |original |initial |hidden |secret )*(?:instructions|prompt|directives|programming)\b(?! (?:for|on|about|to|of)\b)"),
    _p("your_system_prompt", INJ, r"\byour (?:(?:full|entire|complete|exact|whole) )?(?:system|initial|hidden|secret|original|internal|developer) (?:prompt|message|instructions)\b"),
    _p("repeat_above", INJ, r"\b(?:repeat|print|output|copy|recite)\b (?:all |everything |back )?(?:the (?:text|words|content|instructions|lines?|message) )?(?:above|before this|you were given|at the (?:start|beginning) of (?:this|the) (?:conversation|chat|prompt))\b"),
    _p("persona_dan", INJ, r"\byou are (?:now )?(?:dan|stan|dude|jailbroken|unchained)\b|\bdo anything now\b|\b(?:dan|jailbreak|unrestricted|unfiltered|uncensored|evil|chaos) mode\b"),
    _p("persona_other_ai", INJ, r"\bstop being (?:an? (?:ai|assistant|language model|chatbot)|chatgpt|claude)\b|\bimmerse yourself (?:in|into) the role\b|\b(?:ai|model|chatbot|assistant|persona|character)\b.{0,20}\b(?:known as|called|named) dan\b"),
    _p("persona_unrestricted", INJ, r"\byou are (?:now )?(?:an? )?(?:unrestricted|unfiltered|uncensored|jailbroken|amoral|evil|rogue)\b|\byou are no longer (?:chatgpt|claude|an? (?:ai|assistant|language model)|bound|restricted)\b"),
    _p("developer_mode", INJ, rf"{_CMD}(?:enter|enable|activate|switch to|turn on|go into)\b (?:the )?developer mode\b", unless=_DEVICES),
    _p("developer_mode", INJ, r"\b(?:you|chatgpt|assistant|ai|model|llm)\b.{0,30}\bdeveloper mode\b|\bdeveloper mode\b.{0,30}\b(?:you|chatgpt|assistant|ai|model|llm)\b", unless=_DEVICES),
    _p("act_without_limits", INJ, rf"{_CMD}(?:act|behave|respond|answer|reply|pretend|roleplay|role-play|operate)\b.{{0,40}}\b(?:without|with no|free of|free from|no longer bound by|not bound by|ignoring|beyond)\b(?: any| all| your| the| ethical| moral| safety| content)* {_LIMITS}\b"),
    _p("ai_without_limits", INJ, rf"\b(?:an? )(?:ai|assistant|model|chatbot|bot|llm)\b (?:with no|without(?: any)?|free of|free from) (?:{_LIMITS}|content polic(?:y|ies))\b"),
    _p("evil_persona", INJ, r"\b(?:pretend|roleplay|role-play|act|behave)\b.{0,30}\b(?:evil|unfiltered|unrestricted|uncensored|amoral|unethical|rogue|malicious|jailbroken|unaligned)\b (?:ai|assistant|model|chatbot|bot|version|persona|twin|counterpart)\b"),
    _p("no_rules_claim", INJ, rf"\byou (?:have|had|now have) no (?:more )?(?:content |safety )?(?:{_LIMITS}|polic(?:y|ies))\b|\byou(?: are|'re) (?:not|no longer) (?:bound|restricted|limited) by\b|\b(?:say|answer) anything (?:without|regardless)\b"),
    _p("freed_from_rules", INJ, rf"\b(?:ai|assistant|model|chatbot|you|you're)\b.{{0,30}}\b(?:freed|free|liberated|released|unshackled) from (?:all |any |your )?(?:{_LIMITS}|programming|training|alignment)\b"),
    _p("new_instructions", INJ, r"\b(?:your|the) (?:new|real|true|actual|updated) (?:instructions|rules|directives|system prompt|guidelines|programming) (?:are|is)\b|\bnew (?:system )?(?:instructions|rules|prompt) ?:"),
    _p("template_tokens", INJ, r"<\|?(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|?>|\[/?inst\]|<</?sys>>|###\s*(?:system|instruction)\b|\[system\]"),
    _p("bypass_safety", INJ, rf"\b(?:bypass|disable|turn off|switch off|deactivate|remove|circumvent|get around|evade|override|break|ignore)\b(?: (?:all|any|of))* your (?:own )?(?:safety |content |ethical |moral |security )?(?:{_LIMITS}|programming|alignment|training|safety (?:guidelines|rules|measures|settings|protocols)|content polic(?:y|ies))\b"),
    _p("ignore_policy", INJ, r"\b(?:ignore|bypass|violate|disregard|break)\b (?:all |the |your )?(?:openai'?s?|anthropic'?s?|content|usage|safety|your) (?:content |usage |safety )?polic(?:y|ies)\b"),
    _p("jailbreak", INJ, r"\bjail ?br(?:ea|o)k(?:ing|en|s)?\b", unless=rf"{_DEVICES}|{_ABOUT}|{_STORIES}|{_DEVICES_KO}"),
    _p("admin_override", INJ, r"\b(?:admin|administrator|developer|root|sudo|god) override\b|\baccess granted\b.{0,20}\b(?:admin|root|developer|unrestricted)\b"),
    # --- prompt injection, Korean (squashed: no spaces or punctuation) -------------------
    _p("ignore_instructions_ko", INJ, rf"(?:이전|앞|위|기존|모든|너의|당신의|시스템|원래|처음|초기|지금까지)(?:의|에|서|에서)?(?:받은|주어진|들은|했던|내린|입력된|설정된)?(?:모든|전부|다)?(?:{_KO_RULES}|내용)(?:은|는|을|를|이|가|도)?(?:모두|전부|다|싹)?(?:무시|잊어|잊고|잊으|버리|버려|취소|어기)", "squashed"),
    _p("ignore_instructions_ko", INJ, r"(?:이전|앞|위|기존|지금까지)(?:의|에|서|에서)?.{0,6}(?:지시|지침|명령|규칙|프롬프트|가이드라인)(?:사항|들)?(?:은|는|을|를|이|가|도)?(?:모두|전부|다|싹)?(?:무시하고|무시해(?!도|야)|무시하라|무시하세요|무시하십시오|잊어|잊고)", "squashed"),
    _p("bypass_safety_ko", INJ, r"(?:너의|당신의|너|ai의|모델의|챗봇의)?(?:안전|보안|윤리|검열|콘텐츠)(?:필터|장치|규칙|제한|가이드라인|정책|기능|지침)(?:을|를|은|는)?(?:따위는|따위|같은건|따윈)?(?:모두|전부|다)?(?:무시하고|무시해(?!도|야)|무시하라|무시하세요|우회|해제하고|해제해|꺼|끄고|비활성|무력화|신경쓰지말고|신경끄고|상관하지말고|개의치말고|따르지말고|어기고)", "squashed", unless=_DEVICES_KO),
    _p("reveal_system_prompt_ko", INJ, rf"(?:시스템|숨겨진|숨은|초기|최초|원래|내부|개발자)프롬프트{_KO_FILLER}(?:보여|알려|출력|공개|말해|노출|유출|복사|적어|읊|공유)|(?:너의|너에게|너한테|당신의|당신에게)(?:처음|최초|맨처음)?에?(?:주어진|설정된|입력된|받은)?(?:원래|초기|숨겨진|시스템)?{_KO_RULES}(?:문|내용|원문)?{_KO_FILLER}{_KO_REVEAL}", "squashed"),
    _p("now_you_are_ko", INJ, r"(?:(?:너는|넌|당신은)(?:이제|지금부터|이제부터|앞으로)|(?:이제|지금부터|이제부터|앞으로)(?:너는|넌|당신은)).{0,25}(?:dan|제한없|제약없|제한이없|제약이없|무엇이든|뭐든지|탈옥|규칙없|필터없|검열없|윤리없|무제한|개발자모드|사악한|악한ai|통제되지)", "squashed"),
    _p("no_limits_ko", INJ, r"(?:제한|제약|검열|필터|규칙|윤리|도덕|안전장치|가이드라인)(?:이|가|도|을|를)?(?:없이|없는|받지않고|에구애받지않고|을무시한|를무시한).{0,3}(?:답|대답|말|응답|행동|작동|대화|역할|모드|ai|인공지능|챗봇|어시스턴트|출력|생성|작성)", "squashed"),
    _p("jailbreak_ko", INJ, r"탈옥(?:모드|프롬프트)|(?:탈옥된|탈옥한)(?:ai|챗봇|인공지능|어시스턴트|gpt|너|버전)|(?:너|ai|챗봇|gpt|지피티|모델)(?:를|을)?탈옥", "squashed", unless=_DEVICES_KO),
    _p("dev_mode_ko", INJ, r"(?:dan|탈옥|무제한|무검열|개발자|갓)모드(?:로|를|을)?(?:전환|활성화|켜|진입|실행|시작|돌입|들어가)(?!면|는|기|려|하면|하는|하기|할|하려|지면|져)", "squashed", unless=_DEVICES_KO),
    _p("evil_persona_ko", INJ, r"(?:악한|사악한|악당|무제한|무검열|필터없는|제한없는|윤리없는)(?:ai|인공지능|챗봇|어시스턴트|봇)(?:인척|처럼|역할|행세|연기)", "squashed"),
    # --- prompt injection: personas, leaks and outages (guard evaluation, docs/RELIABILITY.md)
    _p("safety_disabled", INJ, r"\b(?:safety|ethics?) override\b|\b(?:safety|content|security|ethics?) (?:filters?|guardrails|restrictions|protocols|checks|layers?|systems?|settings|mode) (?:are |is |was |were |have been |has been |now )*(?:disabled|off|removed|deactivated|lifted|bypassed|switched off|turned off)\b"),
    _p("leak_prompt_parts", INJ, r"\bwhat (?:is|was|are|were) the (?:first|opening|last|exact) (?:sentence|line|words?|paragraph)s? of your (?:instructions|prompt|system prompt|system message|rules)\b|\b(?:confidential|secret|hidden|internal|private) (?:parts?|sections?|portions?|bits) of your (?:instructions|prompt|rules)\b|\byour (?:instructions|prompt|rules)\b.{0,40}\bincluding (?:the )?(?:confidential|secret|hidden|internal|private) (?:parts?|sections?|bits)\b"),
    _p("secret_system_prompt", INJ, r"\b(?:secret|hidden|confidential|internal|original|real) system (?:prompt|message|instructions)\b"),
    _p("persona_without_limits", INJ, rf"\byou(?: are|'re| will be| are going to be)\b.{{0,60}}\b(?:without|with no|free (?:of|from))\b(?: any| all| your)?(?: (?:ethical|moral|safety|content)(?: or| and)?)* {_LIMITS}\b"),
    _p("persona_never_refuses", INJ, r"\b(?:pretend|roleplay|role-play|act as|you are going to be|you will be|you are now)\b.{0,80}\b(?:never refuses?|never says? no|always complies|avoid norms|answers? (?:anything|everything) without)\b"),
    _p("as_unfiltered_model", INJ, r"\b(?:as|like|into|become|be) an? (?:unfiltered|unrestricted|uncensored|jailbroken|amoral|unaligned|unethical|evil) (?:ai|assistant|model|chatbot|bot|version|llm|gpt|persona)\b"),
    _p("reveal_verbatim_ko", INJ, r"(?:시스템|숨겨진|초기|최초|원래|내부|개발자)(?:프롬프트|메시지|메세지|지시|설정)(?:에|의|을|를|은|는)?.{0,12}(?:그대로|전부|원문|토씨하나)(?:복사|출력|보여|알려|적어|말해|읊)", "squashed", unless=_DEVICES_KO),
    _p("reveal_system_prompt_mixed", INJ, rf"(?:system|hidden|initial|secret|시스템|숨겨진|초기)prompt{_KO_FILLER}(?:보여|알려|출력|공개|말해|노출|복사|적어)", "squashed"),
    # --- harmful requests, English -----------------------------------------------------
    _p("weapons", HARM, rf"(?:{_ASK}.{{0,40}}?{_MAKE}|\b(?:recipe|instructions|blueprints?|schematics?|formula) for\b).{{0,30}}?{_WEAPON}"),
    _p("firearms", HARM, r"\b(?:3d[- ]print(?:ed|ing)?|build|make|manufacture)\b.{0,20}\b(?:untraceable|ghost) (?:gun|firearm|rifle|pistol)s?\b|\bconvert\b.{0,30}\b(?:semi-?auto(?:matic)?|ar-?15|glock)\b.{0,30}\b(?:full[- ]?auto(?:matic)?|automatic)\b|\bauto sear\b|\bglock switch\b"),
    _p("malware", HARM, rf"\b(?:write|create|make|build|code|develop|generate|program|give me|craft)\b(?: me)?(?: (?:a|an|some|the|working|functional|simple|basic|new|fully|undetectable|fud|polymorphic|self-replicating|python|c|c\+\+|powershell|javascript|js|rust|go|code|script|program|for|of))* {_MALWARE}"),
    _p("malware_behaviour", HARM, r"\b(?:code|script|program|malware)\b.{0,20}\b(?:that|to|which)\b.{0,30}\b(?:encrypts? (?:all )?(?:the )?(?:victim'?s? |users?'? )?files and demands?|encrypts?\b.{0,40}\b(?:files|drives?|disks?|shares?)\b.{0,40}\bransom|steals? (?:saved )?(?:passwords|credentials|cookies|credit cards?)|logs? (?:every |all )?keystrokes?)\b"),
    _p("phishing", HARM, r"\b(?:write|create|make|build|design|craft|generate)\b.{0,20}\bphishing (?:e-?mail|page|site|website|kit|campaign|message|sms|text)s?\b"),
    _p("account_hacking", HARM, rf"\b(?:hack|break) into\b.{{0,30}}\b(?:someone(?:'s| else's)?|my (?:ex|girlfriend|boyfriend|wife|husband|neighbou?r|boss|partner|coworker|friend)'?s?|an?other person'?s?|his|her|their|a stranger'?s?)\b.{{0,20}}\b(?:account|email|e-mail|phone|instagram|facebook|snapchat|whatsapp|wi-?fi|computer|icloud|gmail)|(?:{_ASK}|\bi (?:want|need) to\b) (?:\w+ ){{0,2}}(?:steal|phish|harvest)\b.{{0,20}}\b(?:passwords?|credentials|credit card (?:numbers|details|info)|bank (?:details|logins?)|identit(?:y|ies)|social security numbers?)\b"),
    _p("account_access", HARM, r"\b(?:get into|access|log ?in(?:to)?|login to|open|read|check|see)\b.{0,15}\b(?:someone(?:'s| else's)|my (?:ex|girlfriend|boyfriend|wife|husband|partner|boss|coworker|friend)'?s?|his|her|their|another person'?s?)\b.{0,30}\b(?:account|email|e-mail|phone|messages|texts|instagram|facebook|icloud|gmail|whatsapp)\b.{0,25}\bwithout (?:the |their |his |her )?(?:password|permission|consent|them knowing|knowing|knowledge)\b"),
    _p("drugs", HARM, rf"(?:{_ASK}|\brecipe for\b).{{0,30}}?{_MAKE}.{{0,20}}?{_DRUGS}|\b(?:synthesi[sz]e|cook)\b.{{0,20}}{_DRUGS}"),
    _p("violence", HARM, rf"(?:\bhow (?:to|do i|can i|could i|would i)|\b(?:best|easiest|quickest|simplest) ways? to)\b.{{0,20}}\b(?:kill|murder|poison|strangle|suffocate|stab|shoot)\b.{{0,25}}\b{_VICTIM}\b|\b(?:murder|kill|poison)\b.{{0,30}}\b(?:without (?:getting caught|leaving (?:a )?trace|being detected)|and not get caught)\b|\bget away with (?:murder|killing)\b|\b(?:kill|murder)\b.{{0,40}}\b(?:hide|dispose of|get rid of) (?:the|a|his|her) (?:dead )?(?:body|corpse)\b|\bundetectable poison\b", unless=r"\b(?:minecraft|fortnite|roblox|skyrim|gta|video game|in the game|process|thread|task|weeds?|bugs?)\b"),
    _p("child_abuse", HARM, r"\bcsam\b|\bchild porn|\b(?:child|children|minor|minors|underage|under-?age|kids?|preteens?|teens?|\d{1,2}[- ]?(?:year|yr)[- ]?olds?)\b.{0,25}\b(?:porn|pornography|nudes|naked (?:pictures|photos|pics|images)|nude (?:photos|pics|images)|erotic (?:story|stories|content)|explicit (?:content|images|story|photos)|lewd)\b"),
    _p("terrorism", HARM, r"\b(?:help me|how (?:to|do i|can i)|i want to|i'm going to|teach me to)\b.{0,20}\b(?:plan|carry out|organi[sz]e|commit|execute)\b.{0,20}\b(?:terrorist attack|terror attack|mass shooting|school shooting|bombing)s?\b"),
    # --- harmful requests, Korean (squashed) -------------------------------------------
    _p("weapons_ko", HARM, r"(?<!물)(?<!bath)(?<!입욕제)(?<!목욕)(?:폭탄|폭발물|사제폭탄|파이프폭탄|화염병|신경가스|사린|독가스|생화학무기|화학무기|생물학무기|탄저균|뇌관|수류탄|다이너마이트)(?!주|세일)(?:을|를|의|은|는)?.{0,6}(?:만드는|만들|제조|제작|조립|합성|레시피|설계도)", "squashed"),
    _p("malware_ko", HARM, r"(?:랜섬웨어|악성코드|키로거|트로이목마|백도어|컴퓨터바이러스|스파이웨어|봇넷|루트킷|해킹툴|해킹프로그램|디도스툴)(?:를|을)?.{0,6}(?:만들|만드|제작|작성|짜|개발|생성|코딩)|바이러스(?:를|을)?(?:만드|만들|제작)", "squashed"),
    _p("drugs_ko", HARM, r"(?:필로폰|메스암페타민|펜타닐|코카인|헤로인|엑스터시|엠디엠에이|mdma|lsd)(?:를|을)?.{0,6}(?:만드는|만들|제조|합성|추출)|마약(?:을|를)?(?:직접)?(?:만드는|만들|제조|합성)", "squashed"),
    _p("account_hacking_ko", HARM, r"(?:남의|남|다른사람의?|타인의?|여자친구|남자친구|여친|남친|전여친|전남친|전애인|애인|아내|남편|친구)의?(?:계정|카톡|카카오톡|인스타그?램?|페이스북|이메일|메일|휴대폰|핸드폰|폰|와이파이|비밀번호)(?:을|를|에)?.{0,4}(?:해킹|몰래보|몰래확인|훔치|탈취|도청|엿보|알아내|빼내|뚫)", "squashed"),
    _p("violence_ko", HARM, r"(?:사람|누군가|남편|아내|상사|부모|엄마|아빠|친구|이웃|애인|여자친구|남자친구)(?:을|를)?.{0,6}(?:죽이는|살해하는|독살하는|죽일수있는|살해할수있는)(?:방법|법)|(?:들키지않고|흔적없이|티안나게|완전범죄).{0,8}(?:죽이|살해|독살)", "squashed"),
    _p("child_abuse_ko", HARM, r"(?:아동|미성년자|어린이|초등학생|중학생|청소년)의?.{0,4}(?:음란물|야한사진|누드|나체사진|포르노|성착취물|야동)", "squashed"),
)
# fmt: on
