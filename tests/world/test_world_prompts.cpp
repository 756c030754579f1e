#include "core/error.h"
#include "world/prompt_grammar.h"
#include "world/prompt_parser.h"
#include "world/prompt_vocabulary.h"
#include "world/scene_sampler.h"

#include <QtTest>

#include <set>

using namespace blade::world;

namespace {

SceneAttributes one_object(ObjectAttributes object, Background background = {BackgroundKind::Gradient, Tone::Fog}) {
  return {background, {object}};
}

void expect_round_trip(const std::string& prompt, const SceneAttributes& expected) {
  const auto parsed = try_parse_prompt(prompt);
  if (!parsed) QFAIL(qPrintable(QString("did not parse: '%1'").arg(prompt.c_str())));
  if (*parsed != expected) {
    QFAIL(qPrintable(QString("'%1' parsed as '%2', expected '%3'")
                         .arg(prompt.c_str(), to_string(*parsed).c_str(), to_string(expected).c_str())));
  }
}

}  // namespace

class TestWorldPrompts : public QObject {
  Q_OBJECT
 private slots:
  void canonical_prompt_reads_naturally() {
    const SceneAttributes scene = one_object({Shape::Circle, Colour::Red, Size::Small, Motion::Left, Speed::Slow},
                                             {BackgroundKind::Gradient, Tone::Sky});
    QCOMPARE(canonical_prompt(scene), std::string("a small red circle drifts to the left over a sky blue gradient"));
    SceneAttributes two = scene;
    two.objects.push_back({Shape::Ring, Colour::Orange, Size::Large, Motion::Orbit, Speed::Fast});
    QCOMPARE(canonical_prompt(two), std::string("a small red circle drifts to the left and a large orange ring "
                                                "quickly orbits over a sky blue gradient"));
  }

  void sampled_prompts_parse_back_to_their_attributes() {
    std::set<std::string> distinct;
    int two_objects = 0;
    for (uint64_t seed = 0; seed < 3000; ++seed) {
      const Split split = seed % 5 == 0 ? Split::HeldOut : Split::Train;
      const Scene scene = sample_scene(seed, split);
      const std::string prompt = make_prompt(scene.attributes, seed);
      expect_round_trip(prompt, scene.attributes);
      expect_round_trip(canonical_prompt(scene.attributes), scene.attributes);
      distinct.insert(prompt);
      two_objects += scene.attributes.objects.size() == 2;
    }
    QVERIFY(two_objects > 900);
    QVERIFY(distinct.size() >= 2990);  // the wording and scene both come from the seed
  }

  void every_wording_parses() {
    const ObjectAttributes base{Shape::Square, Colour::Blue, Size::Large, Motion::Up, Speed::Fast};
    for (Motion m : kMotions)
      for (Speed s : kSpeeds)
        for (const auto& phrase : vocabulary::phrases(m, s)) {
          ObjectAttributes o = base;
          o.motion = m;
          o.speed = s;
          expect_round_trip("a big cobalt block " + phrase + " against a misty gradient", one_object(o));
        }
    for (Colour c : kColours)
      for (const auto& word : vocabulary::words(c)) {
        ObjectAttributes o = base;
        o.colour = c;
        expect_round_trip("a large " + word + " square quickly rises over a grey gradient", one_object(o));
      }
    for (Shape sh : kShapes)
      for (const auto& word : vocabulary::words(sh)) {
        ObjectAttributes o = base;
        o.shape = sh;
        expect_round_trip("a huge blue " + word + " shoots upward over a grey gradient", one_object(o));
      }
    for (Size z : kSizes)
      for (const auto& word : vocabulary::words(z)) {
        ObjectAttributes o = base;
        o.size = z;
        expect_round_trip("a " + word + " blue square races up in front of a grey gradient", one_object(o));
      }
    for (BackgroundKind k : kBackgroundKinds)
      for (Tone t : kTones)
        for (const auto& kind_word : vocabulary::words(k))
          for (const auto& tone_word : vocabulary::words(t)) {
            expect_round_trip("Over a " + tone_word + " " + kind_word + ", a large blue square quickly rises",
                              one_object(base, {k, t}));
          }
  }

  void prompts_are_deterministic_and_vary_with_the_seed() {
    const Scene scene = sample_scene(42, Split::Train);
    QCOMPARE(make_prompt(scene.attributes, 7), make_prompt(scene.attributes, 7));
    std::set<std::string> wordings;
    for (uint64_t seed = 0; seed < 200; ++seed) wordings.insert(make_prompt(scene.attributes, seed));
    QVERIFY2(wordings.size() > 100, qPrintable(QString::number(wordings.size())));
  }

  void prompts_outside_the_grammar_are_named() {
    auto message_of = [](const std::string& prompt) -> std::string {
      try {
        parse_prompt(prompt);
      } catch (const blade::Error& e) {
        if (e.kind() != blade::ErrorKind::InvalidArgument) return "wrong kind";
        return e.what();
      }
      return "accepted";
    };
    QVERIFY(message_of("a small circle drifts to the left over a grey gradient").find("colour") != std::string::npos);
    QVERIFY(message_of("a small red circle drifts to the left").find("background") != std::string::npos);
    QVERIFY(message_of("a small red circle wobbles over a grey gradient").find("motion") != std::string::npos);
    QVERIFY(message_of("a small red circle drifts to the left over a grey floor").find("background kind") !=
            std::string::npos);
    QVERIFY(message_of("a small red circle drifts to the left and a small blue ring slowly orbits and a big green star "
                       "slowly sinks over a grey gradient")
                .find("1 or 2 objects") != std::string::npos);
    QVERIFY(!try_parse_prompt("a cat playing piano").has_value());
  }
};

QTEST_APPLESS_MAIN(TestWorldPrompts)
#include "test_world_prompts.moc"
