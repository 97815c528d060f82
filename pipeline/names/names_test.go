package names_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/names"
	rulefiles "github.com/horizon-scan/horizon/rules"
)

func shipped(t testing.TB, known ...names.Known) *names.Extractor {
	t.Helper()
	x, err := names.Load(rulefiles.Files, "rules", known, func(s string) bool { return s == "parkinson's disease" })
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestCueFileExamples runs the examples of the shipped cue file.
func TestCueFileExamples(t *testing.T) {
	fails, n := shipped(t).TestExamples()
	if n == 0 {
		t.Fatal("the cue file has no examples")
	}
	for _, f := range fails {
		t.Errorf("rules/names/cues.yaml:%d: %s: want %q, got %q\n  %s\n  %s", f.Line, f.WhatIsWrong, f.Want, f.Got, f.Title, f.Text)
	}
}

func TestExtract(t *testing.T) {
	x := shipped(t, names.Known{Name: "GI Genius", Kind: "product", Vendor: "Cosmo Intelligent Medical Devices"},
		names.Known{Name: "Epic", Kind: "vendor"},
		names.Known{Name: "Leeds Teaching Hospitals NHS Trust", Kind: names.KindOrganisation},
		names.Known{Name: "Owen Mumford", Kind: "vendor"},
		names.Known{Name: "NHS England", Kind: names.KindAuthority},
		names.Known{Name: "Food and Drug Administration", Kind: names.KindAuthority},
		names.Known{Name: "Zeko Ejection Fraction Tool (ZEFT)", Kind: "product"},
		names.Known{Name: "Imagen Technologies", Kind: "vendor"},
		names.Known{Name: "ChatGPT", Kind: "product", Vendor: "OpenAI"},
		names.Known{Name: "DeepMind", Kind: "vendor"})
	tests := []struct {
		name, title, text string
		tech              string
		vendors           []string
	}{
		{"called", "", "Researchers built a tool called Eye2Gene that reads retinal scans.", "Eye2Gene", nil},
		{"a health system partnering with a firm uses what the firm makes", "Adventist Health partners with Zednition on a tool for nurses",
			"Adventist Health is partnering with artificial intelligence company Zednition to use a machine learning tool to guide nurses.",
			"", []string{"Zednition"}},
		{"a clinic partnering with a firm named by its web address", "Mayo Clinic partners with quellcare.ai",
			"Mayo Clinic partnered with quellcare.ai, an AI-assisted virtual care platform, to support early detection.",
			"", []string{"quellcare.ai"}},
		{"a known developer working with a health system", "", "Epic is working with Providence Health Care to use AI on patient data.",
			"", []string{"Epic"}},
		{"a place with its state's abbreviation before -based", "", "Epic is working with Renton, Wash.-based Providence to use AI on patient data.",
			"", []string{"Epic"}},
		{"a source cited is no developer", "", "According to Forbes, the National Cancer Institute has validated the screening tool.",
			"", []string{"National Cancer Institute"}},
		{"a known regulator starts a span of its own", "", "The US Food and Drug Administration released new guidance on AI tools for clinicians.",
			"", nil},
		{"two firms partnering are both developers", "", "Therapixel and Ferrum Health announce a collaboration on breast imaging AI.",
			"", []string{"Ferrum Health", "Therapixel"}},
		{"a known product's name goes on in a product word", "",
			"The technology, called the GI Genius Copilot, writes reports of colonoscopies.", "GI Genius Copilot", nil},
		{"a name of several words before AI and a product word", "",
			"The drug was found with the Centaur Chemist AI platform for discovery.", "Centaur Chemist", nil},
		{"the possessive of a name ending in an abbreviation", "",
			"The study underscores the potential of Zenosis Inc.'s Sepsis ImmunoScore to change sepsis care.", "Sepsis ImmunoScore",
			[]string{"Zenosis Inc"}},
		{"the possessive of a known developer after its legal form", "",
			"The study shows the promise of Epic Inc.'s sepsis model for hospitals.", "", []string{"Epic"}},
		{"a coined name after the product word that describes it", "",
			"The FDA cleared the AI Triage Software CardioScan, a device made by Acme Medical Ltd.", "CardioScan",
			[]string{"Acme Medical Ltd"}},
		{"a word after a source in brackets opens a sentence", "",
			"(Royal Hospital) Automated tools can flag which infants in intensive care have sepsis.", "", nil},
		{"a subject of common words the headline and the text both give a verb", "Green Harbor Raises $4M for Clinical AI Agents",
			"Green Harbor raised $4M in seed funding to build AI agents for hospitals.", "", []string{"Green Harbor"}},
		{"a word of AI and what it is for is no name", "",
			"The makers of an AI-physiotherapy clinic said the app will be rolled out in hospitals this year.", "", nil},
		{"a known developer starts the name a headline says was launched", "Acme Launches Epic Ward Assist — A Generative AI Tool for Nurses",
			"Acme has launched a tool that drafts notes for hospital nurses.", "Epic Ward Assist", []string{"Acme"}},
		{"a name of common words after one that is none, before a dash", "Acme Launches Zorby Care Hub — A Generative AI Companion",
			"Acme has launched a companion that talks to patients in hospital.", "Zorby Care Hub", []string{"Acme"}},
		{"what an institution studies ends its name", "",
			"Scientists at the Centre for Medical Research used AI to predict which bowel cancer patients respond to treatment.",
			"", []string{"Centre for Medical Research"}},
		{"the words a headline makes available before a coined word are one name", "Medwise Announces Availability of Clinic ChatBot 3.0",
			"Medwise, a healthcare technology company, has announced a new version of its assistant for hospital nurses.",
			"Clinic ChatBot 3.0", []string{"Medwise"}},
		{"a describing word in title case is no coined word", "Medwise Unveils Revolutionary AI-Driven Healthcare Platform",
			"Medwise, a healthcare technology company, has announced a platform for hospital nurses.", "", []string{"Medwise"}},
		{"a network's name ends in Network", "",
			"Researchers at the Northern Imaging Network developed an AI tool that reads chest X-rays.", "",
			[]string{"Northern Imaging Network"}},
		{"a made-up word before study names the study, not who ran it", "",
			"The collaborative ScanSAFE study is using an AI tool from Medwise Ltd to triage chest X-rays in hospitals.", "",
			[]string{"Medwise Ltd"}},
		{"a developer of one word goes on in the name of its business", "",
			"Merck is partnering with DeepMind Cloud to deploy an agentic AI platform for drug discovery.",
			"", []string{"Merck", "DeepMind Cloud"}},
		{"a developer of one word stops at a short form in capitals", "",
			"Merck is partnering with DeepMind CEO Demis Hassabis to deploy an agentic AI platform for drug discovery.",
			"", []string{"Merck", "DeepMind"}},
		{"a developer the text says made it counts beside one named more often", "DeepMind AI beats radiologists at finding breast cancer",
			"An AI program designed by DeepMind found more breast cancers in mammograms than radiologists did, DeepMind said. DeepMind built the algorithm with researchers from the University of Rivermouth.",
			"", []string{"DeepMind", "University of Rivermouth"}},
		{"a word never a name makes no made-up word of a launched name", "Acme Launches Free COVID-19 Screening App",
			"Acme, a healthcare company, has launched a tool for patients in hospital using AI.", "", []string{"Acme"}},
		{"a name after & that opens with a common word goes on", "",
			"Researchers at Rivermouth Health & Science University used AI to predict blood sugar in people with diabetes.", "",
			[]string{"Rivermouth Health & Science University"}},
		{"an ordinal is no name", "FDA clears 1st AI to detect heart failure",
			"The FDA has approved an algorithm for Zeko Health's digital stethoscope.", "", []string{"Zeko Health"}},
		{"a short form in brackets ends no known product's name", "",
			"The FDA has cleared the Zeko Ejection Fraction Tool (ZEFT), an algorithm for clinicians.", "Zeko Ejection Fraction Tool", nil},
		{"a campus of a university of many", "", "Researchers at the University of California, Irvine, built a model that reads heart scans.",
			"", []string{"University of California, Irvine"}},
		{"a version goes with the product's name", "", "Quorvex Imaging's Sono Platform 2.0 measures the heart on ultrasound.",
			"Sono Platform 2.0", []string{"Quorvex Imaging"}},
		{"a year after a name is no version", "", "Quorvex Imaging's SonoScope 2024 release measures the heart on ultrasound.",
			"SonoScope", []string{"Quorvex Imaging"}},
		{"what a headline in title case says was launched", "UnitedCare Launches Zorby, a Generative AI Companion for Members",
			"The tool is live for patients.", "Zorby", []string{"UnitedCare"}},
		{"a headline in title case opens with its subject", "Quoyle Snags $6.7M for Chatbot as AI Pushes Further Into Healthcare",
			"A medical student built a digital tool to help patients find credible information.", "", []string{"Quoyle"}},
		{"an organisation called", "", "Two doctors built a chatbot for patients. Their startup is called Kahun.", "", []string{"Kahun"}},
		{"a known developer of one word goes on in a company's suffix", "", "Epic Communications announced an AI assistant for clinicians.", "",
			[]string{"Epic Communications"}},
		{"developers named together before a verb's base form", "", "Microsoft and Epic expand their work on a clinical AI assistant.", "",
			[]string{"Epic", "Microsoft"}},
		{"who pays for the work is no developer", "", "Zeta Bio won a contract from the National Cancer Institute to develop an AI recruitment tool.", "",
			[]string{"Zeta Bio"}},
		{"a first name opening a company's name", "", "Mary Stone Labs launched a platform that reads clinical notes.", "",
			[]string{"Mary Stone Labs"}},
		{"a company's suffix after a made name in a headline in title case", "KRX Health Debuts Agentic AI Platform for Patient Engagement",
			"The platform runs on an algorithm.", "", []string{"KRX Health"}},
		{"an institution's name goes on after and", "",
			"Researchers at the Beckman Institute for Advanced Science and Technology built a model that reads scans.", "",
			[]string{"Beckman Institute for Advanced Science and Technology"}},
		{"a unit with its short form is of the institution after", "",
			"Researchers from the Computer Science and Artificial Intelligence Laboratory (CSAIL) at the Massachusetts Institute of Technology built a model.",
			"", []string{"Massachusetts Institute of Technology"}},
		{"two institutions joined by and stay two", "",
			"Researchers at the University of Leeds and Google built a model that reads scans.", "",
			[]string{"University of Leeds", "Google"}},
		{"words for an institution name none", "Automating clinical coding in an NHS Trust",
			"A while ago I began automating clinical coding at the Hospital.", "", nil},
		{"a name ending in a product word is what was launched", "",
			"Ward Assistant launched as a guide for children's nurses in the hospital.", "Ward Assistant", nil},
		{"a study's acronym is no developer", "",
			"The HEART Outcomes study compares a decision support system with usual care.", "", nil},
		{"a short form without its connectors folds into the name", "UNC researchers launch an AI chatbot for patients",
			"Researchers at the University of North Carolina launched a chatbot.", "", []string{"University of North Carolina"}},
		{"a trust's short form folds into its name", "RCH uses machine learning to plan beds",
			"Riverford Community Hospitals NHS Foundation Trust has deployed a tool.", "", []string{"Riverford Community Hospitals NHS Foundation Trust"}},
		{"a product named after a short form in brackets", "",
			"Vesper Labs deploys its AI as a Medical Device (AIaMD), Ruvo, to help triage patients.", "Ruvo", []string{"Vesper Labs"}},
		{"a product named in brackets after a product word", "",
			"Patients sent data to a digital health app (myLungs) that predicts flare-ups.", "myLungs", nil},
		{"a short form in brackets is no product's name", "",
			"The team trained a convolutional neural network (CNN) on scans.", "", nil},
		{"a place its owner keeps is no product", "",
			"The trust put Nuvo Health's AI device, Cardia, in its Skin Centre at Westbrook Hospital.", "Cardia",
			[]string{"Nuvo Health"}},
		{"a company a company owns is a developer", "", "Google's DeepMind will train an AI system on eye scans.", "",
			[]string{"DeepMind", "Google"}},
		{"a known product is the technology", "Hospital adopts GI Genius", "The hospital uses GI Genius in endoscopy.",
			"GI Genius", nil},
		{"a known product's developer needs the text to name it", "Hospital adopts GI Genius",
			"GI Genius, developed by Cosmo Intelligent Medical Devices, finds polyps.", "GI Genius", []string{"Cosmo Intelligent Medical Devices"}},
		{"the headline's developer comes first", "Suki adds an AI assistant to Epic",
			"Suki announced the assistant. It runs on a cloud service from Microsoft.", "", []string{"Suki"}},
		{"a sentence is no name", "",
			"The Quick Brown Fox Jumps Over The Lazy Dog Again And Again, developed by Some Very Long Named Organisation Of Many Words Indeed.",
			"", nil},
		{"a common word opening a sentence is no developer", "", "Doctors launched a pilot. Hospitals announced results.", "", nil},
		{"the developer of a unit is the organisation", "",
			"A tool created by physician-scientists in the Smidt Heart Institute at Cedars-Sinai detects heart disease.",
			"", []string{"Cedars-Sinai"}},
		{"a possessive of a person is no developer", "", "Dr Keane's team studied it; Prof Smith's software was used.", "", nil},
		{"an acronym folds into its name", "AWS launches AWS HealthScribe",
			"Amazon Web Services has launched AWS HealthScribe, a new service that drafts clinical notes.",
			"AWS HealthScribe", []string{"Amazon Web Services"}},
		{"a hyphenated developer", "", "The Google-developed model was tested in clinics.", "", []string{"Google"}},
		{"two developers joined by &", "",
			"A study by Fabric Genomics & Rady Children's Institute for Genomic Medicine shows an AI tool diagnoses rare disease.",
			"", []string{"Fabric Genomics", "Rady Children's Institute for Genomic Medicine"}},
		{"what a maker made follows it", "",
			"Ferrum Health, the developer of a Healthcare AI Hub, works with hospitals.", "Healthcare AI Hub",
			[]string{"Ferrum Health"}},
		{"the only organisation named is the developer", "",
			"Doctors tested an AI tool that spots sepsis. It was tried at Rivermouth University Hospital in June.", "",
			[]string{"Rivermouth University Hospital"}},
		{"of two organisations named by shape alone neither is the developer", "",
			"Doctors tested an AI tool that spots sepsis. It was tried at Rivermouth University Hospital and Hillside Medical Center.",
			"", nil},
		{"developers listed before researchers", "",
			"Stanford University and Imperial College London researchers built an AI tool that reads scans.", "",
			[]string{"Stanford University", "Imperial College London"}},
		{"a common word opening a sentence before a company's suffix is a name", "",
			"Bright Health study says an AI tool diagnoses rare disease.", "", []string{"Bright Health"}},
		{"a web address's name is a company's", "", "Viz.ai receives a CE mark for its stroke software.", "",
			[]string{"Viz.ai"}},
		{"one developer's name with &", "", "Researchers at Johnson & Johnson developed an AI tool for surgeons.", "",
			[]string{"Johnson & Johnson"}},
		{"a name known in lower case is a word", "", "It was an epic effort by nurses.", "", nil},
		{"a trust using a product is no developer", "",
			"Leeds Teaching Hospitals NHS Trust is using ScanSure, an AI tool from Voxel Works, to read X-rays.",
			"ScanSure", []string{"Voxel Works"}},
		{"a trust using AI of its own is its developer", "",
			"Leeds Teaching Hospitals NHS Trust is using machine learning to forecast bed demand.",
			"", []string{"Leeds Teaching Hospitals NHS Trust"}},
		{"a place is no developer", "", "Doncaster is using an AI model to plan rotas.", "", nil},
		{"a place said to have made it is", "", "Researchers at Oxford have built a model that reads scans.", "", []string{"Oxford"}},
		{"a person announcing is no developer", "Martin Hale announces a chest X-ray reader", "Martin Hale announces LungLens, an app that reads chest X-rays.",
			"LungLens", nil},
		{"a first name with a company word is a company", "", "Ada Health launches SymptomSense, a symptom checker.",
			"SymptomSense", []string{"Ada Health"}},
		{"a first name with an institution word is an institution", "",
			"Researchers at Grace Hospital have built a model that reads scans.", "", []string{"Grace Hospital"}},
		{"a lead that capitals a person's first name", "", "ELON Musk has announced that the implant works.", "", nil},
		{"a first name in capitals with a company word is a company", "", "ADA Health announced a symptom checker.",
			"", []string{"ADA Health"}},
		{"a person the gazetteer knows as a developer stays one", "", "Owen Mumford launches GlucoPen.",
			"GlucoPen", []string{"Owen Mumford"}},
		{"a journal the list knows is no developer", "",
			"A smartwatch ECG read by AI spots a weak heart pump at home, Nature Medicine reports.", "", nil},
		{"a journal the list knows leaves the developer", "",
			"An AI tool built by researchers at Rivermouth University reads scans, Nature Medicine reports.", "",
			[]string{"Rivermouth University"}},
		{"a journal after a cue is no developer, whatever its name", "",
			"A smartwatch ECG read by AI spots a weak heart pump at home, a new study in Frontier Digital Health shows.",
			"", nil},
		{"a company's legal form after a comma", "Larchmont brings virtual nursing to Westbrook Health",
			"Larchmont, Inc., a virtual nursing platform that runs on artificial intelligence, today announced a partnership with Westbrook Health.",
			"", []string{"Larchmont"}},
		{"a name before a product word is the product", "",
			"Implicity says the ILR ECG Analyzer algorithm sifts through heart rhythm data.", "ILR ECG Analyzer", nil},
		{"describing words before a product word name nothing", "",
			"Doctors tried an AI-based tool. Nurses tested a SaaS application. Wearable sensors were worn.", "", nil},
		{"a publisher after a cue is no developer", "",
			"Hospitals adopted AI tools. The articles were published by Becker's Hospital Review last week.", "", nil},
		{"a university opening a sentence is read whole", "",
			"University of Utah researchers have developed an antibody test powered by AI.", "", []string{"University of Utah"}},
		{"a university with a small word inside is one name", "",
			"Researchers at Tokyo Medical and Dental University built an AI system for endoscopy.", "",
			[]string{"Tokyo Medical and Dental University"}},
		{"a longer name starting with a university's is the longer name", "",
			"Researchers at University of Utah Health built a model that predicts sepsis.", "",
			[]string{"University of Utah Health"}},
		{"a university using AI is taken to have built it, unlike a trust", "",
			"Stanford University is using machine learning to read heart scans.", "", []string{"Stanford University"}},
		{"a possessive without an s", "", "Ultromics' EchoGo Heart Failure received FDA clearance.", "EchoGo Heart Failure",
			[]string{"Ultromics"}},
		{"an apostrophe closing a quotation is no possessive", "",
			"Patients call it 'Smart Glasses' for short. Nurses like it.", "", nil},
		{"a month after a possessive is no product", "", "The Nittany Lions’ Nov. 9 loss was a surprise.", "", nil},
		{"a product named after its maker", "",
			"Lunit announced that Lunit INSIGHT DBT has received FDA clearance.", "Lunit INSIGHT DBT", []string{"Lunit"}},
		{"a name of an organisation's shape is no product of its maker", "",
			"Google announced that Google Health has received an award.", "", []string{"Google"}},
		{"the firm pattern's word before a name is no part of it", "Startup Abridge raises more cash",
			"Startup Abridge is raising money for its clinical documentation tool.", "", []string{"Abridge"}},
		{"the firm pattern's word after a hyphen", "",
			"AI-biotech Terravia emerged from stealth with $60M to find drugs.", "", []string{"Terravia"}},
		{"said its", "", "Synchron said its Stentrode implant had been placed in six patients.", "Stentrode",
			[]string{"Synchron"}},
		{"a quoted name before a product word", "", "Doctors are testing the “Sybil” model on CT scans.", "Sybil", nil},
		{"a made name before a product word in a headline in title case", "NeuroSense App Helps Patients Track Migraines",
			"The app uses machine learning.", "NeuroSense", nil},
		{"a made name, AI and a product word", "EchoNet AI Algorithm Beats Sonographers at Reading Heart Scans",
			"The algorithm was more accurate than sonographers.", "EchoNet", nil},
		{"a describing word in a headline in title case is no name", "A Chinese AI-Powered Robot Aims to Tackle Complex Surgeries",
			"The four-arm surgical robot won a prize.", "", nil},
		{"a name of ordinary words in a headline in title case needs more than a product word", "Hospital Network App Helps Patients",
			"The app uses machine learning.", "", nil},
		{"a name beside a maker of a company's shape", "",
			"Mid Yorkshire Teaching NHS Trust is rolling out Annalise CXR from Annalise.ai to read chest X-rays.",
			"Annalise CXR", []string{"Annalise.ai"}},
		{"developers listed with a short form and an article", "",
			"The test was developed by Acme Imaging Systems (AIS) and the University of Leeds.", "",
			[]string{"Acme Imaging Systems", "University of Leeds"}},
		{"a journal of one word before a study is no developer", "Lancet study finds AI reads scans as well as doctors",
			"The software read 10,000 mammograms.", "", nil},
		{"a journal's one word elsewhere is read as any word", "", "Nature Robotics developed a gripper for surgeons.", "",
			[]string{"Nature Robotics"}},
		{"hyphenated words in a headline in title case are no name", "Orbis Wins FDA Clearance for Quick-Scan Retinal Camera",
			"The camera reads retinal images.", "", nil},
		{"a national body rolling a tool out is no developer", "",
			"NHS England has announced it will roll out a triage tool built by Medwise Labs.", "", []string{"Medwise Labs"}},
		{"a national body alone named is no developer", "NHS England announces AI tool for GPs",
			"NHS England announced a new AI tool that drafts referral letters.", "", nil},
		{"a national body said to have made it is its developer", "", "The triage tool was developed by NHS England.", "",
			[]string{"NHS England"}},
		{"called it", "", "The researchers called it CardioNet and tested it on 500 patients.", "CardioNet", nil},
		{"a technology compared with is not the text's own", "",
			"Researchers built a model similar to ChatGPT that writes discharge letters.", "", nil},
		{"a technology built on another's is not the other's", "",
			"Scientists created a model based on the same Medwise's PromptNet technology to predict diagnoses.", "", nil},
		{"a name ending in Service is no product", "",
			"The Crown Dispatch Service (CDS) has bought remote monitoring kits for patients.", "", nil},
		{"a firm word opening a sentence is no developer", "", "Startup Introduces New Way To Book Appointments.", "", nil},
		{"a verb of raising money before an amount", "Medwise clinches $40M to grow its scan triage",
			"The investors backed the company's radiology work.", "", []string{"Medwise"}},
		{"a verb of raising money before no amount", "Medwise closes its London office",
			"The company moved its radiology work to Leeds.", "", nil},
		{"a known developer's name goes on in a company's suffix", "",
			"Two studies by Imagen Tech, the company that makes the software, showed it was safe.", "",
			[]string{"Imagen Tech"}},
		{"a list of developers past what one of them is", "",
			"Created by Medwise Labs, a company that makes clinical software, and Northgate Pharmaceutical, Calmly is an app for anxiety.",
			"Calmly", []string{"Medwise Labs", "Northgate Pharmaceutical"}},
		{"developers named together before they pilot what they made", "",
			"Medwise Labs and Arden University pilot an AI tool that reads chest X-rays.", "",
			[]string{"Medwise Labs", "Arden University"}},
		{"an adverb inside a cue", "", "Retinex has recently filed a submission to the FDA for its eye test.", "",
			[]string{"Retinex"}},
		{"co-developers alongside staff at another organisation", "",
			"A tool developed by researchers at Arden University alongside staff at Lakeside Hospital predicts bed demand.",
			"", []string{"Arden University", "Lakeside Hospital"}},
		{"a describing word before a name is no part of it", "",
			"Surgeons now use the FDA-cleared NeuroGuide, a system that maps the brain.", "NeuroGuide", nil},
		{"a word in capitals in a lead in capitals is no name", "",
			"THE WORLD’S first autonomous AI system for skin cancer detection has received a CE mark.", "", nil},
		{"what is being deployed is the technology", "", "NeuroGuide is being deployed in five hospitals for stroke patients.",
			"NeuroGuide", nil},
		{"two developers on both sides of in partnership with", "",
			"Lakeside Clinic, in partnership with Cardiomatics, developed an ECG model for patients.", "",
			[]string{"Lakeside Clinic", "Cardiomatics"}},
		{"a pair of abbreviations is no name", "", "The AI/ECG test was as accurate as a mammogram.", "", nil},
		{"a developer named by the start of its name too", "Mayo develops heart screening tool",
			"Mayo Clinic has developed a screening tool for heart disease.", "", []string{"Mayo Clinic"}},
		{"a study named in capitals is no developer", "",
			"Results of the Acme Heart Study show that a smartwatch can find an irregular pulse.", "", nil},
		{"a study by a name in a headline in title case", "Stanford Study Finds AI Reads Heart Scans",
			"The Stanford team trained the model on thousands of scans.", "", []string{"Stanford"}},
		{"a subsidiary named after the firm word", "",
			"Alphabet's artificial-intelligence subsidiary DeepMind is partnering with a hospital group.", "",
			[]string{"DeepMind"}},
		{"the company bought is the developer, not the buyer", "Medwise buys Retinex to grow its eye screening",
			"Medwise has acquired Retinex, a developer of AI that reads retinal scans.", "", []string{"Retinex"}},
		{"a project called by a name is no technology", "",
			"GP practices will receive the device as part of a project called TRICORDER.", "", nil},
		{"a firm based in a place", "", "The startup Retinex, based in Cambridge, sells an AI that reads retinal scans.", "",
			[]string{"Retinex"}},
		{"a name before a product word, its maker in brackets between", "",
			"Practices will receive the Cardiowave DX (Medwise Labs) device for patients.", "Cardiowave DX",
			[]string{"Medwise Labs"}},
		{"an institution's name with a possessive opens a sentence", "",
			"Children's Hospital of Rivermouth developed a model that flags sepsis in newborns.", "",
			[]string{"Children's Hospital of Rivermouth"}},
		{"a web address in lower case is a company's name", "",
			"The hospital partnered with nurse.ai to run its virtual nursing platform on the wards.", "",
			[]string{"nurse.ai"}},
		{"an amount of money is no name", "AI Health Startups Raised $1.29B in September",
			"Investors backed 38 companies in the month.", "", nil},
		{"a possessive of a place makes no developer", "",
			"Patients are seen at Medwise's London offices and the app is free.", "", nil},
		{"a supplier the text alone names beside the headline's developer", "Heart screening comes to Lakeside Clinic",
			"Lakeside Clinic, in partnership with Cardiomatics, developed an ECG model for patients.", "",
			[]string{"Lakeside Clinic", "Cardiomatics"}},
		{"a place before a located word is no developer", "",
			"Medwise is buying Rivermouth, New Carolina-based AI company Retinex Ltd for cash.", "",
			[]string{"Retinex Ltd"}},
		{"who issues a press release", "", "The review was expedited, according to a press release from Retinex.",
			"", []string{"Retinex"}},
		{"a describing word with a hyphen is no name", "FDA adds devices to its list of approved AI/ML-enabled devices",
			"The FDA updated its list of cleared devices for radiology and cardiology.", "", nil},
		{"a contract awarded to a supplier", "",
			"The integrated care board awarded the remote monitoring contract to Vitalwatch Ltd for patients with COPD.",
			"", []string{"Vitalwatch Ltd"}},
		{"an ordinary word in capitals owned by a developer is a name", "",
			"Medwise's BRIDGE model flags urgent CT scans for radiologists.", "BRIDGE", []string{"Medwise"}},
		{"a description with commas between its words, and the maker in brackets", "",
			"The study evaluated Medios AI (Remidio), a proprietary, offline, smartphone-based, automated system of analysis of retinal images.",
			"Medios AI", []string{"Remidio"}},
		{"a short form in brackets is no maker", "",
			"The study evaluated RetinaScan (RS), a proprietary, offline, automated system of analysis of retinal images.",
			"RetinaScan", nil},
		{"a trial's name after a comma is no technology", "",
			"The clinical trial, called TRICORDER, was led by researchers at Imperial College Healthcare NHS Trust.",
			"", []string{"Imperial College Healthcare NHS Trust"}},
		{"a name said to be a person is no developer", "",
			"New research led by Avipsa Roy, a graduate student in the university's school of geography, maps COVID-19 risk.",
			"", nil},
		{"who received clearance for a named product made it", "",
			"Cerevia has received FDA 510(k) clearance for NeuroScan, which reads brain scans of stroke patients.",
			"NeuroScan", []string{"Cerevia"}},
		{"a describing word between the owner and the product", "",
			"Cerevia's AI-powered NeuroScan reads brain scans of stroke patients.", "NeuroScan", []string{"Cerevia"}},
		{"AI after every sighting of a company's name is part of it", "Quillon AI raises $50 mln seed funding to build models for healthcare",
			"Quillon AI, a startup building artificial intelligence models for healthcare, has raised $50 million.",
			"", []string{"Quillon AI"}},
		{"a company written once with AI and once without keeps its name", "",
			"Quillon AI has raised $50 million to build models for hospitals; Quillon sells them to health systems.",
			"", []string{"Quillon"}},
		{"one name and a team is the team's leader", "",
			"To train the system, Zhang and a team of 70 scientists used data from 1.3 million visits to a children's hospital.",
			"", nil},
		{"a known developer and a team is still a developer", "",
			"DeepMind and a team of scientists used data from 1.3 million visits to a children's hospital.",
			"", []string{"DeepMind"}},
		{"a product's name between commas after a product word", "",
			"Sonavia's software, Preterm AI, compares ultrasound images to find signs of preterm birth.", "Preterm AI", []string{"Sonavia"}},
		{"a product's name and what it stands for between commas", "",
			"The new AI tool, MELA (Machine Evaluation of Lesions for Adults), reads images of moles to see whether they are cancerous.",
			"MELA", nil},
		{"who did something to its product owns it", "",
			"Neuralink has implanted its brain-computer interface device in a paralysed patient.", "", []string{"Neuralink"}},
		{"who a speaker says did something to its product owns it", "Elon Musk says Cortexa has implanted its first brain chip in human", "",
			"", []string{"Cortexa"}},
		{"who partners with a developer to use its product is no developer", "",
			"York, Pa.-based WellSpan Health is partnering with Artisight to use the company's AI-powered smart hospital platform.",
			"", []string{"Artisight"}},
		{"a name ends before an officer's title", "",
			"Lungscan CEO Jane Smith said its AI tool reads chest X-rays for lung cancer.", "", []string{"Lungscan"}},
		{"where the maker is based comes before its name", "",
			"An AI tool from Cambridge-based Lungscan reads chest X-rays for lung cancer.", "", []string{"Lungscan"}},
		{"a company's founders built it", "",
			"Lungscan's founders, who met at university, built an AI tool that reads chest X-rays.", "", []string{"Lungscan"}},
		{"a unit of an institution named before is no developer of its own", "",
			"Oxford scientists working out of the school's Department of Physics have developed a new test that detects COVID-19.",
			"", []string{"Oxford"}},
		{"a known product owning its AI made nothing", "GI Genius's AI helps experts spot polyps during colonoscopies", "",
			"GI Genius", nil},
		{"an adverb between who received clearance and the verb", "",
			"Medtronic recently received FDA de novo clearance for the GI Genius intelligent endoscopy module.",
			"GI Genius", []string{"Medtronic"}},
		{"researchers who pilot a tool the sentence says another made are no developers", "",
			"Researchers at Stanford, UC San Diego Health, and UW Health will be among the first to pilot generative AI tools created by Microsoft and Epic.",
			"", []string{"Epic", "Microsoft"}},
		{"words in a text in capitals are names only where it writes them so", "",
			"MEDWISE'S BRIDGE MODEL FLAGS URGENT SCANS FOR RADIOLOGISTS.", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := x.Extract(tc.title, tc.text)
			tech := ""
			if got.Technology != nil {
				tech = got.Technology.Name
			}
			var vendors []string
			for _, v := range got.Vendors {
				vendors = append(vendors, v.Name)
			}
			if tech != tc.tech || strings.Join(vendors, ";") != strings.Join(tc.vendors, ";") {
				t.Errorf("got %q %q, want %q %q", tech, vendors, tc.tech, tc.vendors)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	x := shipped(t)
	text := "DERM, an AI tool developed by Skin Analytics, assesses skin lesions."
	got := x.Extract("", text)
	if got.Technology == nil || len(got.Technology.Evidence) == 0 {
		t.Fatalf("no technology or no evidence: %+v", got)
	}
	for _, e := range append(got.Technology.Evidence, got.Vendors[0].Evidence...) {
		if text[e.Start:e.End] != e.Snippet || !strings.HasPrefix(e.RuleID, "names.") {
			t.Errorf("evidence %+v does not point at its snippet", e)
		}
	}
}

func TestParseCuesErrors(t *testing.T) {
	common := []byte("the\n")
	tests := []struct{ name, yaml, want string }{
		{"unknown pattern", "threshold: 2\npatterns:\n  guesses: {weight: 1}\n", "cues.yaml:3: pattern guesses: unknown"},
		{"no weight", "threshold: 2\npatterns:\n  called: {cues: [called]}\n", "cues.yaml:3: pattern called: weight is required"},
		{"duplicate cue", "threshold: 2\npatterns:\n  called: {weight: 1, cues: [called, Called]}\n", `cues.yaml:3: pattern called: duplicate cue "Called"`},
		{"unknown list", "threshold: 2\npatterns:\n  product-name: {weight: 1, cues: [\"@gadgets\"]}\n", `cue "@gadgets" names no word list`},
		{"no threshold", "patterns: {}\n", "threshold: a positive number is required"},
		{"missing pattern", "threshold: 2\npatterns: {}\n", "pattern trademark: missing"},
		{"missing words", "threshold: 2\n", "words.product: a list of words is required"},
		{"unknown key", "threshold: 2\nguess: 1\n", `cues.yaml:2: unknown key "guess"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := names.ParseCues("cues.yaml", []byte(tc.yaml), "common.txt", common)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// FuzzExtract holds every name to its evidence on hostile text: each
// evidence span lies in its field and is the snippet it quotes, and no
// name is longer than a name can be.
func FuzzExtract(f *testing.F) {
	x := shipped(f)
	f.Add("Ultromics' EchoGo cleared", "Synchron said its Stentrode implant, from Neuro.ai, works. ‘Smart Glasses’")
	f.Add("University of Utah", "Startup Abridge and AI-biotech Terray; the “Sybil” model; Lunit announced that Lunit INSIGHT DBT")
	f.Add("", "\xff's' '’s ’ \"” -based")
	f.Add("Medwise clinches $1.29B", "THE WORLD’S first, built by Acme Systems (AS), a firm that makes things, and the "+
		"Lakeside Clinic, in partnership with care.ai; based on the same Medwise's PromptNet; AI/ML-enabled, "+
		"the Apple Health Study; has recently filed; Children's Hospital of Rivermouth")
	f.Fuzz(func(t *testing.T, title, text string) {
		got := x.Extract(title, text)
		fields := map[string]string{"title": title, "text": text}
		names := slices.Clone(got.Vendors)
		if got.Technology != nil {
			names = append(names, *got.Technology)
		}
		for _, n := range names {
			if utf8.RuneCountInString(n.Name) > 80 {
				t.Fatalf("name of %d runes: %q", utf8.RuneCountInString(n.Name), n.Name)
			}
			for _, e := range n.Evidence {
				s, ok := fields[e.Field]
				if !ok || e.Start < 0 || e.End > len(s) || e.Start > e.End || s[e.Start:e.End] != e.Snippet {
					t.Fatalf("evidence %+v does not point at its snippet in %q", e, s)
				}
			}
		}
	})
}
