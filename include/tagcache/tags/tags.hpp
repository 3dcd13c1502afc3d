// Layer `tags/`: the tag-storage manager. Freestanding; includes the layers below.
#pragma once

#include "page_bitmap.hpp"
#include "tag_storage_manager.hpp"
