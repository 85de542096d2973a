package dev.emergence.app.params;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizePresetsTest {
    // Expected sizes worked out by hand from the rule: multiples of 64, area within ½..2 × native²,
    // aspect error first (|ln(w/h) − ln(ratio)|), then 0.1 × |ln(area ratio)|.

    @Test
    void squareIsTheNativeSize() {
        assertArrayEquals(new int[] {512, 512}, SizePresets.fit(1, 1, 512, 64));
        assertArrayEquals(new int[] {768, 768}, SizePresets.fit(1, 1, 768, 64));
    }

    @Test
    void fourToThreeAtSd15() {
        // 512×384 is exactly 4:3 at 0.75 of the area (score 0.029); 576×448 is 1.286:1 (score 0.038).
        assertArrayEquals(new int[] {512, 384}, SizePresets.fit(4, 3, 512, 64));
        assertArrayEquals(new int[] {384, 512}, SizePresets.fit(3, 4, 512, 64));
    }

    @Test
    void sixteenToNineAtSd15() {
        // 704×384 (1.833:1, area 1.03) beats 640×384 (1.667:1) and 768×448 (1.714:1, area 1.31).
        assertArrayEquals(new int[] {704, 384}, SizePresets.fit(16, 9, 512, 64));
    }

    @Test
    void aWidePictureOnATinyModelKeepsItsAspect() {
        // At 64² with multiples of 64 the only sizes are 64×64, 128×64 and 64×128: 2:1 gets 128×64.
        assertArrayEquals(new int[] {128, 64}, SizePresets.fit(100, 50, 64, 64));
    }

    @Test
    void presetsAreDistinctAndValid() {
        List<SizePresets.Preset> ps = SizePresets.forModel(512, 64);
        assertEquals("1:1  512×512", ps.get(0).label());
        assertEquals(ps.size(), ps.stream().map(p -> p.width() + "x" + p.height()).distinct().count());
        for (SizePresets.Preset p : ps) assertTrue(p.width() % 64 == 0 && p.height() % 64 == 0, p.label());
    }

    @Test
    void everyLabelNamesTheAspectItsSizeHas() {
        for (int nativeSize : new int[] {64, 128, 512, 768}) {
            for (SizePresets.Preset p : SizePresets.forModel(nativeSize, 64)) {
                String[] ab = p.ratio().split(" ")[0].split(":");
                int a = Integer.parseInt(ab[0]), b = Integer.parseInt(ab[1]);
                assertEquals((long) a * p.height(), (long) b * p.width(), p.label());
            }
        }
        // The two the default model's picker used to mislabel.
        List<String> labels = SizePresets.forModel(128, 64).stream().map(SizePresets.Preset::label).toList();
        assertTrue(labels.contains("3:2  192×128"), labels.toString());
        assertTrue(labels.contains("2:1  128×64") || !labels.toString().contains("128×64"), labels.toString());
        assertTrue(labels.stream().noneMatch(l -> l.startsWith("4:3  192") || l.startsWith("16:9  128")), labels.toString());
        assertEquals("11:6 ≈16:9", SizePresets.ratioLabel(704, 384, 16, 9));
        assertEquals("4:3", SizePresets.ratioLabel(512, 384, 4, 3));
    }

    @Test
    void customSidesAreMultiplesOfTheModelsMultiple() {
        NumberRule r = SizePresets.sideRule("width", 512, 64);
        assertTrue(r.parse("768").ok());
        assertTrue(r.parse("1024").ok());
        assertTrue(r.parse("700").error().contains("not a multiple of 64"), r.parse("700").error());
        assertTrue(r.parse("1088").error().contains("out of range"));
        assertTrue(r.parse("0").error().contains("out of range"));
    }

    @Test
    void sdxlModelsGetTheBucketsSdxlWasTrainedAt() {
        // The SDXL report's multi-aspect buckets near 1024² pixels (Podell et al. 2023, appendix).
        List<String> labels = SizePresets.forFamily("SDXL", 1024, 64).stream().map(SizePresets.Preset::label).toList();
        assertEquals(List.of("1:1  1024×1024", "9:7  1152×896", "7:9  896×1152", "19:13  1216×832", "13:19  832×1216",
                "7:4  1344×768", "4:7  768×1344", "12:5  1536×640", "5:12  640×1536"), labels);
        // SDXL-Turbo runs at 512: ordinary presets around its native size.
        assertEquals(SizePresets.forModel(512, 64), SizePresets.forFamily("SDXL-Turbo", 512, 64));
    }
}
