"""The Chinese catalogue: one translation per message.

Branches append to the end of the .po file and merge with git's union driver; two
areas that both say "declined" then add two entries for the same msgid, and polib
keeps whichever comes last, so one area silently shows the other's word (this
happened when leave requests and sign-in met: 未批准 became 未通过). Words that mean
different things in different areas take a msgctxt.
"""

from collections import Counter

import polib

from studyhub.catalogue import LOCALE_DIR


def test_no_message_is_defined_twice():
    for path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        entries = Counter((e.msgctxt, e.msgid) for e in polib.pofile(str(path)))
        twice = [key for key, count in entries.items() if count > 1]
        assert not twice, f"{path.name}: defined more than once: {twice}"


def test_every_message_is_translated():
    for path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        catalogue = polib.pofile(str(path))
        missing = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
        assert not missing, f"{path.name}: untranslated: {missing[:10]}"
