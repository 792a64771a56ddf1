"""Who is online and who is viewing what. (Stub interface; implemented with presence.)"""
