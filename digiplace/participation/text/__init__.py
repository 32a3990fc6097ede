"""Reading open answers: stop words, an English-to-Romanian lexicon, words and stems."""
