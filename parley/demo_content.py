"""The demo board's words: members, forums and thread transcripts (all invented).

Transcripts: `@T` starts a post by the member whose key is T, `@T >2` a post that quotes post 2
of the same thread (0 is the first post). `parley.demo` parses and loads them through services."""

from __future__ import annotations

from dataclasses import dataclass

# key: (username, time zone, years since joining). Join dates spread over years like a real board.
MEMBERS = {
    "H": ("harbourlight", "Europe/Lisbon", 5.8),
    "T": ("Tomasz.K", "Europe/Warsaw", 4.6),
    "Q": ("quietcartographer", "America/Toronto", 3.1),
    "R": ("Ravi Menon", "Asia/Kolkata", 2.4),
    "D": ("dustbowl_dan", "America/Chicago", 1.7),
    "K": ("Kaito Arashi", "Asia/Tokyo", 0.9),
    "N": ("NoSpinZone", "America/Denver", 0.3),
}
ADMIN_KEY = "A"


@dataclass(frozen=True)
class ScriptedPost:
    author: str  # a key of MEMBERS, or ADMIN_KEY
    body: str
    quotes: int | None  # index of an earlier post in the same thread


@dataclass(frozen=True)
class ThreadSpec:
    forum: str
    title: str
    days_ago: float
    script: str
    prefix: str | None = None
    source: tuple[str, str] = ("", "")
    sticky: bool = False
    locked: bool = False


BREAKING = ThreadSpec(
    forum="breaking",
    title="Veldmark–Ostrelia summit in Lindqvar collapses after ministers' row",
    days_ago=2 / 24,
    prefix="Breaking news",
    source=(
        "The Lindqvar Courier",
        "https://news.example.org/world/aldra-summit-ends-in-row",
    ),
    script="""\
@H
**LINDQVAR** — Talks between the foreign ministers of Veldmark and Ostrelia broke down this
afternoon after less than three hours, when Ostrelia's Foreign Minister Teodor Quill left the
conference hall at the Aubrecht Palace, officials from both delegations said.

The meeting, hosted by the Principality of Aubrecht, was meant to settle the long-running
quarrel over the Kessary Dam on the upper Aldra river, which Veldmark finished filling last
spring. Ostrelia says the reservoir has cut the river's summer flow downstream by almost a
third.

People waiting outside the hall said raised voices could be heard for several minutes before the
doors opened. Veldmark's Foreign Minister Ilse Varnholt later told reporters that her
counterpart had "come to read a statement, not to negotiate". Mr Quill, speaking at the airport,
accused Veldmark of "holding a river hostage" and said Ostrelia would ask the Aldra Basin
Commission for an emergency session.

A joint communiqué that aides had drafted overnight was not signed. Aubrecht's foreign office
said it "remains ready to host further talks".

What we know so far:

- the talks lasted about 2 hours 40 minutes
- there is no agreement on water-release quotas
- Ostrelia has recalled its ambassador "for consultations"
- the Saint-Ivane exchange had closed before the news broke

More as it comes in.

@T
Not surprised, honestly. The Kessary Dam has been a sore point since the first turbine went in,
and both governments face elections next year. Neither can be seen to blink.

@Q
Can someone explain where the Aldra actually runs? I know it's a border river but I never
understood which side the dam is on.

@K
I'd wait for a second source before believing the shouting part. Leaks from a delegation in the
first hour are usually half spin.

@T >2
It rises in the Veldmark highlands, runs south for about 200 km, then forms the border for the
last stretch before the delta in Ostrelia. The dam is well inside Veldmark, roughly 60 km
upstream of the border.

So Veldmark controls the tap and Ostrelia gets what's left.

@Q >4
That explains a lot. Clearer than any map I've found tonight, thanks.

@D
Two ministers fly to a palace to talk about water and leave without agreeing on water. Somewhere
a caterer is looking at two hundred untouched canapés.

@R
The market angle is the one to watch. Ostrelia's rice belt sits downstream of the dam. If summer
flow really is down by a third, that's a harvest problem, not just a diplomatic one.

@N
Here we go, another thread where everyone pretends Ostrelia is the victim. They signed the basin
treaty that allowed the dam in the first place. Read it before crying about it.

@K >8
Is that right though? My understanding is the treaty allows *works of public utility* but
requires both sides to agree a minimum flow first, and that minimum is exactly what was never
agreed. Happy to be corrected if someone has the text.

@N >9
Nobody needs the text to see what happened. Quill staged a walkout for the cameras. Oldest trick
there is.

@H
**Update:** the Aubrecht foreign office has published a short statement saying the talks are
*suspended* rather than ended. Small difference in wording, but they're clearly keeping the door
open. [Statement (Aubrecht FO)](https://example.org/aubrecht/statements/aldra-talks)

@T >11
"Suspended" is diplomat for "everyone calm down before Monday". I'd give it a week before
there's a second round.

@Q
Genuine question: what can the Aldra Basin Commission actually do? Is anything it says binding,
or is it a talking shop?

@R >13
Mostly a talking shop. It can order a hydrology study and issue recommendations. The one binding
part, as far as I know, is data sharing: both sides must publish flow readings every week.

@K
Second source is in. The Meridian Wire also reports raised voices but says Varnholt's team left
the room first, not Quill's. So the two accounts don't match:
https://example.com/wire/aldra-summit-second-account

@D >15
So each delegation says the other one stormed out. Could both be true? Revolving doors?

@N
This forum is a joke. Half of you couldn't find Veldmark on a map last week and now you're all
water lawyers. Pathetic.

@A >17
**Moderator note:** disagreeing is fine, insulting other members isn't. Keep it about the story,
please. See the {guidelines}.

@Q
For what it's worth, I'm one of the people who couldn't find it on a map last week, and I'm
learning a lot here. That's kind of the point of asking.

@T >19
Exactly. Nobody is born knowing where the Aldra delta is.

@R
After-hours trading is thin, but the Ostrelian florin has slipped about 1.5% against its basket
since the news. Not panic, just nerves.

@H
**Update 2:** Ostrelia's foreign ministry confirms the ambassador recall. Veldmark's embassy in
Saint-Ivane says it is "operating normally".

@K >22
Worth remembering that during the fishing-rights spat the ambassadors were back within a month.
A recall is a signal, not a rupture.

@D
Question for the economists here: does a dam row actually move the price of rice, or does it
only matter in headlines?

@R >24
It moves it if it drags into planting season. Ostrelia exports roughly a fifth of its crop to
neighbours, and a bad summer there shows up in regional prices about three months later.

@N >25
Or the farmers could use less water. Veldmark built the dam with its own money. Not their
problem.

@T >26
Fair point about who paid for it, but "not their problem" is the attitude that got us a walkout.
A shared river is everyone's problem; that's why the commission exists at all.

@Q
Is there any chance a bigger country mediates properly, instead of just lending a palace?
Aubrecht seems too small to lean on anyone.

@K >28
Small is the point. Nobody is afraid of Aubrecht, so both sides can accept it as host without
losing face. Real pressure would have to come from whoever lent the money for the dam.

@H
Photos from outside the palace are on the Courier's live page. Nothing dramatic, mostly two
delegations in the rain: https://example.org/live/lindqvar-summit

@D >30
Nothing says *diplomatic crisis* like two motorcades queueing in the drizzle.

@R
I looked at the weekly readings the commission publishes. Summer flow at the border gauge:

- before the reservoir filled: about 410 m³/s
- last summer: about 290 m³/s
- the minimum Ostrelia has asked for: 350 m³/s

So *almost a third* is about right, if the readings are honest.

@Q >32
Where do you find those readings? I'd love to look myself.

@R >33
The commission posts a CSV every Friday
([readings](https://example.org/aldra-commission/flow-readings.csv)). The border gauge is the
fourth column.

@N
Numbers from a commission half paid for by Ostrelia. Sure, totally neutral.

@K >35
Both countries fund it equally and the gauges are read by a joint team. You can argue about the
method, but not that one side cooked the books.

@T
Reading between the lines of Varnholt's remark, "come to read a statement" suggests Ostrelia
arrived with a take-it-or-leave-it release quota. If so, the walkout was half scripted from both
ends.

@D >37
Scripted walkouts. Diplomacy is professional wrestling with better tailoring.

@H
**Update 3:** Veldmark's prime minister Anselm Roeder has posted a short video: "the door to
Lindqvar is still open" and the dam "will keep running for the good of both peoples". No mention
of quotas.

@Q
That's... not exactly reassuring if you live downstream.

@R >39
*Keep running* is the key phrase. He's telling his own voters there will be no extra release
this summer. The rest is politeness.

@K
Could a moderator add "talks suspended" to the thread title? That's the official wording now.

@A >42
I'll leave the title as it is, since it matches the source's headline. If the commission sets a
date for new talks, start a follow-up thread and link it here.

@D
Anyone else watching the Saint-Ivane evening news? The anchor just called it "the Kessary
affair". It has a name now, so it's serious.

@N
I'll say one thing for Quill: at least he didn't sign a meaningless communiqué. Better no paper
than a bad paper.

@T >45
Rare agreement from me. A vague communiqué would have bought three months of calm and solved
nothing.

@Q
So what happens next, realistically? Emergency commission session, then a second round in
Lindqvar?

@K >47
That's the likely order. The commission must meet within ten days if either member asks. Expect
a joint hydrology study to be announced as the face-saving middle ground.

@R
Meanwhile, watch the florin and rice futures. If both stay calm through next week, the markets
believe there will be a second round.

@H
**Update 4:** the Aldra Basin Commission confirms it has received Ostrelia's request; a date
will be set "within the statutory period". That's all from me tonight. I'll start a new thread
once the session is scheduled.

@D >50
Thanks for keeping this updated, harbourlight. Best breaking thread in a while.

@Q
Agreed, thank you. I learned more here than from three news sites.

@K
Bookmarked. I'll post the commission's agenda here when it's published.

@T
Good thread, everyone (well, mostly). See you at round two.
""",
)

GUIDELINES = ThreadSpec(
    forum="breaking",
    title="Posting guidelines",
    days_ago=420,
    sticky=True,
    script="""\
@A
Welcome to the news forums. A few rules keep threads readable and fair:

1. **Cite a source for news.** A breaking-news thread needs a link to where the story came from;
fill in the source fields when you start it.
2. **Pick the right prefix.** *Breaking news* for fresh reports, *Analysis* for longer
explanations, *Opinion* for your own take, *Rumour* for anything unconfirmed.
3. **Argue with the post, not the person.** Personal attacks are removed.
4. **Quote sparingly.** Trim a quote to the part you are answering.
5. **Don't paste whole articles.** A few lines and a link are plenty.

Formatting: Markdown and BBCode both work. Some examples:

```
**bold**, *italic*, [a link](https://example.org)
[quote]someone else's words[/quote]
[spoiler]the ending of the book[/spoiler]
```

Questions about moderation are welcome in The lounge.

@T
Thanks, the prefix list helps. Could *Rumour* threads be locked after a week if nobody finds a
source?

@A >1
Good idea. We'll do it by hand for now and see how it goes.
""",
)

OTHER_THREADS = [
    ThreadSpec(
        forum="lounge",
        title="Time zones roll call: when are you usually online?",
        days_ago=24,
        script="""\
@D
Curious how spread out we are. I'm in Chicago, usually around after dinner, which seems to be
exactly when everyone in Europe goes to bed.

@H
Lisbon here. Mornings with coffee, and again late evening.

@K
Tokyo. I read the overnight threads on the train, so I see everything a day late and say
nothing.

@R
Bangalore. I'm the one replying to you all at 3am your time.

@Q
Toronto. Lunch breaks and weekends, mostly.

@T
Warsaw. Whenever the kids are asleep.

@N
Denver. Whenever someone is wrong on the internet.
""",
    ),
    ThreadSpec(
        forum="lounge",
        title="What are you reading this week?",
        days_ago=16,
        script="""\
@Q
I've just started **The Salt Road Ledger**, a novel about a customs clerk on a mountain border.
Slow first chapter, but it's picking up.

What's on your nightstand?

@T
A history of river treaties, believe it or not. Drier than the title promises.

@K
Finished *Lanterns Over Kessary* last night. Without spoiling it too much:

[spoiler]the narrator is the ferryman's daughter all along[/spoiler]

@D >2
Oh come on, I was two chapters from the end!

@K >3
It was behind a spoiler tag! You clicked it.

@R
A collection of essays on commodity markets. Recommended if you enjoy footnotes more than plot.
""",
    ),
    ThreadSpec(
        forum="politics",
        title="Why small states keep hosting the big summits",
        days_ago=12,
        prefix="Analysis",
        script="""\
@T
Every few months two big neighbours fall out and meet in some small, quiet capital. That isn't
an accident. Three reasons:

1. **No stake in the outcome.** A small host can't be accused of tilting the table.
2. **Face-saving logistics.** Neither side has to travel to the other's capital.
3. **Discretion.** Fewer journalists and fewer leaks, usually.

The downside is that a small host has no leverage. It can offer rooms and coffee, not pressure.

@Q
Does the host get anything out of it, apart from hotel bookings?

@R >1
Prestige, mostly, and a seat at the table when the follow-up deals are signed. It's cheap
diplomacy for them.

@K
I'd add a fourth reason: small hosts often have very good interpreters, because they've always
had to work in other people's languages.

@T >3
Good point, and one I hadn't considered. Adding it to my notes.
""",
    ),
    ThreadSpec(
        forum="energy",
        title="Clean hydropower figures for the Aldra basin?",
        days_ago=9,
        script="""\
@K
I'm trying to chart how much of each country's electricity comes from the Aldra. The
commission's CSV is messy, so I'm summing it like this:

```python
import csv

totals = {}
with open("aldra_output.csv") as f:
    for row in csv.DictReader(f):
        key = row["country"]
        totals[key] = totals.get(key, 0) + float(row["gwh"] or 0)
print(totals)
```

Does anyone have a cleaner source?

@R
The annual report has a summary table that's easier to use. Roughly:

- Veldmark: about 38% of its electricity from the Aldra
- Ostrelia: about 6%, all from small run-of-river plants

@Q >1
Thirty-eight percent! No wonder Veldmark won't touch the release quotas.

@K >1
Thanks, that table is exactly what I needed. [Annual
report](https://example.org/aldra-commission/annual-report)
""",
    ),
    ThreadSpec(
        forum="economy",
        title="The Ostrelian florin is overvalued and everyone knows it",
        days_ago=6,
        prefix="Opinion",
        script="""\
@R
Unpopular opinion: the florin has been propped up for two years by rice exports and a central
bank that hates headlines. One bad harvest and it **will** slide. I'd rather see a slow managed
decline than a sudden one.

@N
Finally someone says it. The whole economy runs on one crop and one river.

@K
I'm less sure. Their reserves cover well over a year of imports. That's a cushion, not a cliff.

@R >2
A cushion buys time, it doesn't change the direction. But fair, I might be early rather than
wrong.

@D
I understood about half of this thread and I'm still worried about my holiday money.
""",
    ),
    ThreadSpec(
        forum="politics",
        title="Carrowmere cabinet reshuffle next week?",
        days_ago=4,
        prefix="Rumour",
        locked=True,
        script="""\
@D
A friend who works near the parliament in Port Aske says the interior minister is out and half
the cabinet is moving. No link, just passing it on.

@N
Port Aske rumours are right about one time in ten.

@Q
Is there anything in the local press at all?

@A
Locking this one: no source has turned up in four days. If the reshuffle happens, start a
*Breaking news* thread with a link.
""",
    ),
    ThreadSpec(
        forum="breaking",
        title="Ferry workers' strike halts all crossings to the Carrowmere Isles",
        days_ago=2,
        prefix="Breaking news",
        source=("Carrowmere Harbour Bulletin", "https://example.com/bulletin/ferry-strike"),
        script="""\
@H
**PORT ASKE** — No ferries are running to or from the Carrowmere Isles today after the crews'
union began a 48-hour strike over rosters and pay. The island council says food and medicine
deliveries will go by the single cargo plane until Thursday.

The operator says it made a "fair and final" offer last week; the union says the offer ignored
night shifts.

@T
Forty-eight hours is a warning shot. The real test is whether they call a second one.

@Q
How many people live on the isles? Is one plane really enough?

@H >2
About 9,000, spread over three islands. One plane covers essentials for a couple of days, not
much more.

@N
Rosters and pay. It's always rosters and pay.

@K
The operator's statement is up if anyone wants the other side:
https://example.com/bulletin/operator-statement
""",
    ),
]

# (title, description, forums: (key, title, description, parent forum's key or None))
CATEGORIES: list[tuple[str, str, list[tuple[str, str, str, str | None]]]] = [
    (
        "World news",
        "What is happening, and what it means.",
        [
            (
                "breaking",
                "Breaking news",
                "Fresh reports with a source. Updates go in the thread.",
                None,
            ),
            (
                "politics",
                "Politics & diplomacy",
                "Governments, elections, treaties and summits.",
                None,
            ),
            ("economy", "Economy & markets", "Prices, currencies, trade and jobs.", None),
            ("energy", "Energy", "Power, fuel and the politics of both.", "economy"),
        ],
    ),
    (
        "Off-topic",
        "Everything that isn't news.",
        [
            ("lounge", "The lounge", "Books, hobbies, introductions and idle talk.", None),
        ],
    ),
]
PREFIXES = [
    ("Breaking news", "red"),
    ("Analysis", "blue"),
    ("Opinion", "orange"),
    ("Rumour", "grey"),
]
