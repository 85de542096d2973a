package dev.emergence.app.params;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The prompt's LoRA tags as AUTOMATIC1111 reads them: its extra-network pattern {@code <(\w+):([^>]+)>}
 * (modules/extra_networks.py) with the arguments split at ':', the first the name and the second
 * the weight, 1 when absent (extensions-builtin/Lora/extra_networks_lora.py); and written as its
 * cards write them, {@code <lora:NAME:1>} after a space.
 */
class LoraTagsTest {
    @Test
    void tagsAreReadAsAutomatic1111ReadsThem() {
        List<LoraTags.Tag> tags = LoraTags.parse("a cat <lora:ink:0.8>, <lora:paper> <lora:two words:0.5:0.2> <lora:typo:x> <lora:> <hypernet:h:1>");
        assertEquals(List.of("ink", "paper", "two words", "typo"), tags.stream().map(LoraTags.Tag::name).toList());
        assertEquals(List.of(0.8, 1.0, 0.5, 1.0), tags.stream().map(LoraTags.Tag::weight).toList());
        assertEquals("<lora:ink:0.8>", "a cat <lora:ink:0.8>, ".substring(tags.get(0).start(), tags.get(0).end()));
        assertEquals(List.of(), LoraTags.parse("no tags, <lora:unclosed"));
        assertEquals(0.3, LoraTags.parse("<lora:d:te=0.3:unet=0.9>").get(0).weight(), "te= is the text encoders' weight");
    }

    @Test
    void checkingALoraAddsOrRewritesItsOneTag() {
        assertEquals("a cat <lora:ink:0.8>", LoraTags.with("a cat", "ink", 0.8));
        assertEquals("a cat <lora:ink:0.8>", LoraTags.with("a cat  ", "ink", 0.8));
        assertEquals("<lora:ink:1>", LoraTags.with("", "ink", 1));
        assertEquals("a <lora:ink:1.25>, b", LoraTags.with("a <lora:ink:0.3>, b", "ink", 1.25));
        assertEquals("a <lora:ink:0.5:0.1> b", LoraTags.with("a <lora:ink:0.3:0.1> b <lora:ink:0.2>", "ink", 0.5),
                "a separate UNet weight is kept");
        assertEquals("a <lora:ink:0.5:unet=0.2>", LoraTags.with("a <lora:ink:unet=0.2>", "ink", 0.5));
        assertEquals("a <lora:Ink:1> <lora:ink:1>", LoraTags.with("a <lora:Ink:1>", "ink", 1), "names are matched exactly, as A1111 does");
    }

    @Test
    void uncheckingRemovesEveryTagOfThatNameAndOneSpace() {
        assertEquals("a cat", LoraTags.without("a cat <lora:ink:0.8>", "ink"));
        assertEquals("a cat", LoraTags.without("<lora:ink:0.8> a cat", "ink"));
        assertEquals("a, b", LoraTags.without("a <lora:ink:1>, b", "ink"));
        assertEquals("a <lora:paper:1> b", LoraTags.without("a <lora:ink:1> <lora:paper:1> b <lora:ink>", "ink"));
        assertEquals("untouched", LoraTags.without("untouched", "ink"));
    }

    @Test
    void weightsAreWrittenWithoutTrailingZeros() {
        assertEquals("1", LoraTags.format(1.0));
        assertEquals("0.8", LoraTags.format(0.8));
        assertEquals("-0.25", LoraTags.format(-0.25));
        assertEquals("1.05", LoraTags.format(1.05));
        assertEquals("0", LoraTags.format(0));
    }
}
