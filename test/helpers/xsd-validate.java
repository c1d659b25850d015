// Validates an XML file against an XSD with the JDK's own validator (javax.xml.validation), for
// machines without xmllint: `java test/helpers/xsd-validate.java schema.xsd file.xml`.
// Prints "valid" and exits 0, or prints each problem with its line and exits 1.
import java.io.File;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXParseException;

public class XsdValidate {
  public static void main(String[] args) throws Exception {
    SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
    Validator validator = factory.newSchema(new File(args[0])).newValidator();
    final int[] problems = {0};
    validator.setErrorHandler(new ErrorHandler() {
      public void warning(SAXParseException e) { report("warning", e); }
      public void error(SAXParseException e) { report("error", e); problems[0]++; }
      public void fatalError(SAXParseException e) { report("fatal", e); problems[0]++; }
      private void report(String kind, SAXParseException e) {
        System.out.println(kind + " line " + e.getLineNumber() + ": " + e.getMessage());
      }
    });
    try {
      validator.validate(new StreamSource(new File(args[1])));
    } catch (SAXParseException e) {
      // Already reported through the handler.
    }
    if (problems[0] == 0) System.out.println("valid");
    System.exit(problems[0] == 0 ? 0 : 1);
  }
}
