#include "world/prompt_vocabulary.h"

namespace blade::world::vocabulary {

const Words& words(Colour colour) {
  static const Words table[] = {
      {"red", "crimson"},   {"orange", "tangerine"}, {"yellow", "golden"}, {"green", "emerald"},
      {"cyan", "turquoise"}, {"blue", "cobalt"},     {"purple", "violet"}, {"pink", "magenta"},
  };
  return table[index_of(colour)];
}

const Words& words(Shape shape) {
  static const Words table[] = {
      {"circle", "disc"}, {"square", "block"}, {"triangle"}, {"diamond", "rhombus"}, {"star"}, {"ring", "hoop"},
  };
  return table[index_of(shape)];
}

const Words& words(Size size) {
  static const Words table[] = {{"small", "tiny", "little"}, {"large", "big", "huge"}};
  return table[index_of(size)];
}

const Words& words(Tone tone) {
  static const Words table[] = {
      {"sky blue", "azure"}, {"sandy", "beige"}, {"midnight", "dark navy"}, {"grey", "misty"},
  };
  return table[index_of(tone)];
}

const Words& words(BackgroundKind kind) {
  static const Words table[] = {
      {"plain backdrop", "solid background", "flat background"},
      {"gradient", "gradient backdrop", "fading background"},
      {"striped backdrop", "striped wall", "pattern of stripes"},
      {"checkerboard", "checkered floor", "checkered backdrop"},
  };
  return table[index_of(kind)];
}

const Words& phrases(Motion motion, Speed speed) {
  static const Words slow[] = {
      {"drifts to the left", "slowly moves left", "glides leftward"},
      {"drifts to the right", "slowly moves right", "glides rightward"},
      {"slowly rises", "drifts upward", "floats up slowly"},
      {"slowly sinks", "drifts downward", "sinks gently"},
      {"bounces gently", "bounces once", "hops slowly"},
      {"slowly grows", "gradually expands", "grows gently"},
      {"slowly shrinks", "gradually contracts", "shrinks gently"},
      {"slowly orbits", "makes a half loop", "orbits lazily"},
  };
  static const Words fast[] = {
      {"darts to the left", "quickly moves left", "races leftward"},
      {"darts to the right", "quickly moves right", "races rightward"},
      {"quickly rises", "shoots upward", "races up"},
      {"quickly sinks", "drops downward", "plunges down"},
      {"bounces rapidly", "bounces twice", "hops quickly"},
      {"quickly grows", "rapidly expands", "swells fast"},
      {"quickly shrinks", "rapidly contracts", "shrinks fast"},
      {"quickly orbits", "makes a full loop", "orbits rapidly"},
  };
  return speed == Speed::Slow ? slow[index_of(motion)] : fast[index_of(motion)];
}

const Words& background_markers() {
  static const Words markers{"over", "against", "in front of"};
  return markers;
}

const Words& object_joiners() {
  static const Words joiners{"and", "while"};
  return joiners;
}

}  // namespace blade::world::vocabulary
