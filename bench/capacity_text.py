"""The testimony the capacity bench previews and sends."""

# What a member of staff might send: about 250 words, with names, places and a number to strike.
TESTIMONY = """I have worked as a probation officer in the Leeds office for nine years and I have never
seen it like this. My manager, Sarah Collins, told us on Monday that caseloads will go up again
because two more colleagues have resigned. I now hold 74 cases. Twelve of them are high risk.

Last week OASys crashed three times in one afternoon and I lost an assessment I had spent two
hours writing. When I rang the IT line on 0113 496 0000 I was told to try again tomorrow. The
person on licence I was assessing, who I will not name, was recalled to HMP Leeds the same day
because nobody had time to see him.

We are told that wellbeing matters, but the wellbeing hour is always at the same time as the
duty rota. Three people in my team are off sick with stress. The agency staff who cover are
kind but they leave after a few weeks, and every handover loses something.

I am writing this because the public should know what is happening. Nobody here wants to let
anyone down, but that is what happens when there are too few of us to do the work properly.
The inspectors said the same thing in their last report, and nothing changed after it."""
